#pragma once
// A loopback TCP forwarder the tests put between the server and MariaDB, so they can make the
// database unreachable (drop every connection, refuse new ones) and bring it back.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace chat::actors::test {

class tcp_proxy {
 public:
  tcp_proxy(std::string target_host, std::uint16_t target_port);
  ~tcp_proxy();
  std::uint16_t port() const { return port_; }
  /// Drops every open connection and refuses new ones until up().
  void down();
  void up();

 private:
  void accept_loop();
  void pump(int client, int server);

  std::string host_;
  std::uint16_t target_port_;
  std::uint16_t port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false}, down_{false};
  std::mutex mu_;
  std::vector<int> open_fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace chat::actors::test
