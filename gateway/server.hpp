#pragma once
// The HTTP + WebSocket front door (Boost.Beast behind a pimpl: nothing Beast or Asio leaks out of
// this header, so apps/ and tests compile quickly).
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gateway/backlog.hpp"
#include "gateway/attachments_config.hpp"
#include "persistence/result.hpp"

namespace chat::actors {
class server;
}
namespace chat::auth {
class service;
}

namespace chat::gateway {

struct config {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;  ///< 0 = an ephemeral port (see server::port())
  int io_threads = 2;         ///< threads running the io_context (a strand per connection)
  int blocking_threads = 4;   ///< pool for auth::service calls, which block on the database
  std::string web_root;       ///< folder with the built web client; empty = no static files
  std::chrono::seconds hello_timeout{10};  ///< no-credential upgrade: wait this long for hello
  std::chrono::seconds http_timeout{30};   ///< per HTTP read/write
  /// Longest wait for a session check (upgrade or hello token); then 503 / close 1013.
  std::chrono::milliseconds auth_wait{5000};
  std::chrono::seconds ws_idle_timeout{
      60};                                  ///< pings at half of it; closed when nothing comes back
  std::size_t max_http_body = 64 * 1024;    ///< request body limit (413 above)
  std::size_t max_http_header = 16 * 1024;  ///< request header limit (431 above)
  /// PEM certificate chain and private key: when both are set the port speaks only HTTPS/WSS.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::chrono::seconds tls_handshake_timeout{10};  ///< a TLS handshake must finish this fast
  /// Behind a reverse proxy: for requests whose TCP peer is loopback, believe X-Forwarded-Proto
  /// (https -> Secure cookies) and the last X-Forwarded-For address (rate limits, logs).
  bool trust_proxy = false;
  /// Origins besides our own whose pages may open /ws ("https://chat.example.com").
  std::vector<std::string> allowed_origins;
  /// Loopback address and port serving /metrics (and /healthz); empty = no metrics listener.
  /// /metrics is never served on the public port.
  std::string metrics_address;
  std::uint16_t metrics_port = 0;  ///< 0 = an ephemeral port (see server::metrics_port())
  /// Open connections from one client address (TCP peer; loopback is exempt with trust_proxy);
  /// more are closed at accept. 0 = no cap.
  int max_connections_per_ip = 256;
  /// Outbound backpressure per WebSocket: write batching, read throttling, 4008 rules.
  backlog_limits backlog;
  /// Uploads and downloads under /api/attachments (off when attachments.dir is empty).
  attachments_config attachments;
};

/// One listening server. Thread-safe; start() once, stop() once (the destructor stops too).
class server {
 public:
  server(config cfg, actors::server& actors, auth::service& auth);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds, listens and starts the I/O threads. Errors: one line (e.g. address in use).
  persistence::status start();
  /// The bound port (the real one when config::port was 0). Valid after start().
  std::uint16_t port() const;
  /// The bound metrics port (0 without a metrics listener). Valid after start().
  std::uint16_t metrics_port() const;
  /// Blocks until SIGTERM or SIGINT arrives; returns the signal number.
  int wait_for_signal();
  /// Closes the listening socket: new connections are refused, existing ones keep working.
  void stop_accepting();
  /// Waits for WebSocket sessions to end (up to `grace`), then stops the I/O threads and joins
  /// them.
  void stop(std::chrono::milliseconds grace);

  struct impl;  ///< opaque (Beast lives behind it)

 private:
  std::unique_ptr<impl> impl_;
};

}  // namespace chat::gateway
