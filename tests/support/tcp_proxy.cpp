#include "tests/support/tcp_proxy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <stdexcept>

namespace chat::test_support {

tcp_proxy::tcp_proxy(std::string target_host, std::uint16_t target_port)
    : host_(std::move(target_host)), target_port_(target_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::listen(listen_fd_, 64) != 0)
    throw std::runtime_error("tcp_proxy: cannot listen");
  socklen_t len = sizeof a;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { accept_loop(); });
}

namespace {

struct url_parts {
  std::size_t at, colon, slash;
};
url_parts split(const std::string& url) {
  auto at = url.rfind('@');
  auto colon = url.find(':', at);
  auto slash = url.find('/', at);
  if (at == std::string::npos || colon == std::string::npos || slash == std::string::npos)
    throw std::invalid_argument("tcp_proxy: not a mysql://user:pw@host:port/db URL");
  return {at, colon, slash};
}

}  // namespace

tcp_proxy::tcp_proxy(const std::string& mysql_url)
    : tcp_proxy(
          mysql_url.substr(split(mysql_url).at + 1,
                           split(mysql_url).colon - split(mysql_url).at - 1),
          static_cast<std::uint16_t>(std::stoi(mysql_url.substr(
              split(mysql_url).colon + 1, split(mysql_url).slash - split(mysql_url).colon - 1)))) {}

std::string tcp_proxy::url_through(const std::string& mysql_url) const {
  auto p = split(mysql_url);
  return mysql_url.substr(0, p.at + 1) + "127.0.0.1:" + std::to_string(port_) +
         mysql_url.substr(p.slash);
}

void tcp_proxy::freeze() {
  frozen_ = true;
}

void tcp_proxy::thaw() {
  frozen_ = false;
}

tcp_proxy::~tcp_proxy() {
  stop_ = true;
  down();
  acceptor_.join();
  for (auto& t : threads_) t.join();
  ::close(listen_fd_);
}

void tcp_proxy::down() {
  down_ = true;
  std::lock_guard<std::mutex> lock{mu_};
  for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
}

void tcp_proxy::up() {
  down_ = false;
}

void tcp_proxy::accept_loop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) continue;
    int client = ::accept(listen_fd_, nullptr, nullptr);
    if (client < 0) continue;
    if (down_) {
      ::close(client);  // refused: the client sees the connection drop at once
      continue;
    }
    int server = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(target_port_);
    ::inet_pton(AF_INET, host_.c_str(), &a.sin_addr);
    if (::connect(server, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(client);
      ::close(server);
      continue;
    }
    {
      std::lock_guard<std::mutex> lock{mu_};
      open_fds_.push_back(client);
      open_fds_.push_back(server);
    }
    threads_.emplace_back([this, client, server] { pump(client, server); });
  }
}

void tcp_proxy::pump(int client, int server) {
  char buf[16384];
  pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
  while (!stop_) {
    if (frozen_ && !down_) {
      ::poll(nullptr, 0, 20);  // hold the bytes where they are, like a stopped server
      continue;
    }
    if (::poll(fds, 2, 50) < 0) break;
    bool done = false;
    for (int i = 0; i < 2 && !done; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      auto n = ::recv(fds[i].fd, buf, sizeof buf, 0);
      if (n <= 0) {
        done = true;
        break;
      }
      int out = i == 0 ? server : client;
      for (ssize_t sent = 0; sent < n;) {
        auto k = ::send(out, buf + sent, static_cast<std::size_t>(n - sent), MSG_NOSIGNAL);
        if (k <= 0) {
          done = true;
          break;
        }
        sent += k;
      }
    }
    if (done) break;
  }
  {
    std::lock_guard<std::mutex> lock{mu_};
    open_fds_.erase(std::remove_if(open_fds_.begin(), open_fds_.end(),
                                   [&](int fd) { return fd == client || fd == server; }),
                    open_fds_.end());
  }
  ::close(client);
  ::close(server);
}

}  // namespace chat::test_support
