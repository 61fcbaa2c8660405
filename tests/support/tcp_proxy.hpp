#pragma once
// A loopback TCP forwarder the tests put between the server and MariaDB, so they can make the
// database unreachable (drop every connection, refuse new ones), freeze it (connections stay open
// but no byte moves, as with a SIGSTOPped mariadbd) and bring it back.
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace chat::test_support {

class tcp_proxy {
 public:
  tcp_proxy(std::string target_host, std::uint16_t target_port);
  /// Forwards to the host and port of a "mysql://user:pw@host:port/db" URL.
  explicit tcp_proxy(const std::string& mysql_url);
  /// `mysql_url` with host and port replaced by this proxy's.
  std::string url_through(const std::string& mysql_url) const;
  ~tcp_proxy();
  std::uint16_t port() const { return port_; }
  /// Drops every open connection and refuses new ones until up().
  void down();
  void up();
  /// Stops moving bytes (both ways, also on connections opened meanwhile) until thaw().
  void freeze();
  void thaw();

 private:
  void accept_loop();
  void pump(int client, int server);

  std::string host_;
  std::uint16_t target_port_;
  std::uint16_t port_ = 0;
  int listen_fd_ = -1;
  std::atomic<bool> stop_{false}, down_{false}, frozen_{false};
  std::mutex mu_;
  std::vector<int> open_fds_;
  std::vector<std::thread> threads_;
  std::thread acceptor_;
};

}  // namespace chat::test_support
