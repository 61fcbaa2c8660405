#pragma once
// The admin transport: a Unix domain socket (mode 0600) and, optionally, a loopback TCP port
// whose requests must carry the token. Boost.Asio lives in listener.cpp only. Handlers run on the
// listener's own threads (never CAF's), so they may block on the database.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "admin/wire.hpp"
#include "persistence/result.hpp"

namespace chat::admin {

struct listener_config {
  std::string socket_path;  ///< empty: no Unix socket
  std::string tcp_host;     ///< empty: no TCP listener (chatd allows loopback addresses only)
  std::uint16_t tcp_port = 0;
  std::string token;  ///< required on TCP; the Unix socket is guarded by its file mode
  std::size_t max_connections = 16;
  int handler_threads = 2;
};

/// Where a handler writes its answer: items, then one final line (ok_line / error_line).
class reply_sink {
 public:
  virtual ~reply_sink() = default;
  /// Queues one line (without '\n'); blocks while much is unsent. False once the client is gone:
  /// stop producing.
  virtual bool emit(std::string line) = 0;
};

/// Answers one request; must emit exactly one final line unless emit() returned false.
using handler = std::function<void(const request&, reply_sink&)>;

class listener {
 public:
  /// Binds both endpoints or fails with a one-line reason (path too long, socket in use by a
  /// running chatd, port taken, ...).
  static persistence::result<std::unique_ptr<listener>> start(listener_config cfg, handler h);
  virtual ~listener() = default;
  virtual std::uint16_t tcp_port() const = 0;  ///< the bound port (0 without TCP)
  /// Closes the endpoints and every admin connection; waits for running handlers.
  virtual void stop() = 0;
};

}  // namespace chat::admin
