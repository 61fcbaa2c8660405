#pragma once
// chatctl's side of the admin protocol (docs/admin.md): one connection, request lines out,
// answer lines in, every wait bounded. Plain POSIX sockets: a client needs no event loop.
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "admin/wire.hpp"

namespace chat::chatctl {

/// Why talking to chatd failed; each maps to an exit code (see exit_codes.hpp).
enum class failure { unreachable, access_denied, protocol, timeout };

struct client_error {
  failure kind;
  std::string message;  ///< one line for the user
};

struct endpoint {
  std::string socket_path;  ///< Unix socket, or
  std::string tcp_host;     ///< TCP (with token)
  std::uint16_t tcp_port = 0;
  std::string token;
};

class admin_client {
 public:
  /// Connects; on failure `err` says why in words a person can act on.
  static std::optional<admin_client> connect(const endpoint& ep, std::chrono::milliseconds timeout,
                                             client_error& err);
  admin_client(admin_client&& o) noexcept;
  admin_client& operator=(admin_client&&) = delete;
  ~admin_client();

  /// Sends one request; calls `on_item` for every item and returns the final line (parsed), or
  /// nothing with `err` set.
  std::optional<admin::json> call(const std::string& cmd, const admin::json& args,
                                  const std::function<void(const admin::json&)>& on_item,
                                  client_error& err);

 private:
  admin_client(int fd, endpoint ep, std::chrono::milliseconds timeout)
      : fd_(fd), ep_(std::move(ep)), timeout_(timeout) {}
  std::optional<std::string> read_line(client_error& err);
  int fd_ = -1;
  endpoint ep_;
  std::chrono::milliseconds timeout_;
  std::string buf_;
};

}  // namespace chat::chatctl
