#include "apps/chatctl/admin_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace chat::chatctl {

namespace {

/// Waits until fd is ready for `events`; false on timeout.
bool wait_fd(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd p{fd, events, 0};
  int r;
  do {
    r = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (r < 0 && errno == EINTR);
  return r > 0;
}

client_error unix_error(const std::string& path, int e) {
  switch (e) {
    case ENOENT:
      return {failure::unreachable,
              fmt::format("chatd is not running (no admin socket at {}; see --socket / --data-dir)",
                          path)};
    case ECONNREFUSED:
      return {failure::unreachable,
              fmt::format("chatd is not running (nothing listens on the admin socket {})", path)};
    case EACCES:
    case EPERM:
      return {failure::access_denied,
              fmt::format("permission denied on the admin socket {}: run chatctl as the user "
                          "that runs chatd",
                          path)};
    default:
      return {failure::unreachable,
              fmt::format("cannot connect to the admin socket {}: {}", path, std::strerror(e))};
  }
}

}  // namespace

std::optional<admin_client> admin_client::connect(const endpoint& ep,
                                                  std::chrono::milliseconds timeout,
                                                  client_error& err) {
  int fd = -1;
  if (!ep.socket_path.empty()) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (ep.socket_path.size() >= sizeof addr.sun_path) {
      err = {failure::unreachable, fmt::format("socket path {} is too long", ep.socket_path)};
      return std::nullopt;
    }
    std::memcpy(addr.sun_path, ep.socket_path.c_str(), ep.socket_path.size() + 1);
    fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      err = unix_error(ep.socket_path, errno);
      if (fd >= 0) ::close(fd);
      return std::nullopt;
    }
  } else {
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    auto port = std::to_string(ep.tcp_port);
    if (::getaddrinfo(ep.tcp_host.c_str(), port.c_str(), &hints, &res) != 0 || !res) {
      err = {failure::unreachable, fmt::format("cannot resolve {}", ep.tcp_host)};
      return std::nullopt;
    }
    fd = ::socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int rc = fd < 0 ? -1 : ::connect(fd, res->ai_addr, res->ai_addrlen);
    int e = errno;
    if (rc != 0 && e == EINPROGRESS && wait_fd(fd, POLLOUT, timeout)) {
      socklen_t len = sizeof e;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len);
      rc = e == 0 ? 0 : -1;
    } else if (rc != 0 && e == EINPROGRESS) {
      e = ETIMEDOUT;
    }
    ::freeaddrinfo(res);
    if (rc != 0) {
      err = {failure::unreachable,
             e == ECONNREFUSED ? fmt::format("chatd is not running (nothing listens on {}:{})",
                                             ep.tcp_host, ep.tcp_port)
                               : fmt::format("cannot connect to {}:{}: {}", ep.tcp_host,
                                             ep.tcp_port, std::strerror(e))};
      if (fd >= 0) ::close(fd);
      return std::nullopt;
    }
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  }
  return admin_client(fd, ep, timeout);
}

admin_client::admin_client(admin_client&& o) noexcept
    : fd_(o.fd_), ep_(std::move(o.ep_)), timeout_(o.timeout_), buf_(std::move(o.buf_)) {
  o.fd_ = -1;
}

admin_client::~admin_client() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<std::string> admin_client::read_line(client_error& err) {
  while (true) {
    if (auto nl = buf_.find('\n'); nl != std::string::npos) {
      std::string line = buf_.substr(0, nl);
      buf_.erase(0, nl + 1);
      return line;
    }
    if (buf_.size() > admin::max_reply_line_bytes) {
      err = {failure::protocol, "chatd sent an answer line that is too long"};
      return std::nullopt;
    }
    if (!wait_fd(fd_, POLLIN, timeout_)) {
      err = {failure::timeout,
             fmt::format("chatd did not answer within {} s", timeout_.count() / 1000.0)};
      return std::nullopt;
    }
    char chunk[65536];
    auto n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      err = {failure::protocol, "chatd closed the admin connection"};
      return std::nullopt;
    }
    buf_.append(chunk, static_cast<std::size_t>(n));
  }
}

std::optional<admin::json> admin_client::call(
    const std::string& cmd, const admin::json& args,
    const std::function<void(const admin::json&)>& on_item, client_error& err) {
  admin::request r{cmd, args, ep_.token};
  auto line = admin::request_line(r) + "\n";
  std::size_t sent = 0;
  while (sent < line.size()) {
    auto n = ::send(fd_, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      err = {failure::protocol, "chatd closed the admin connection"};
      return std::nullopt;
    }
    sent += static_cast<std::size_t>(n);
  }
  while (true) {
    auto l = read_line(err);
    if (!l) return std::nullopt;
    auto j = admin::json::parse(*l, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      err = {failure::protocol, "chatd sent an answer that is not JSON"};
      return std::nullopt;
    }
    if (auto it = j.find("item"); it != j.end()) {
      if (on_item) on_item(*it);
      continue;
    }
    if (j.value("ok", false) == false && j.contains("error")) {
      auto code = j["error"].value("code", "");
      if (code == admin::codes::unauthorized) {
        err = {failure::access_denied,
               "chatd refused the admin token (wrong token; see --token-file)"};
        return std::nullopt;
      }
    }
    return j;
  }
}

}  // namespace chat::chatctl
