#pragma once
// Blocking HTTP and WebSocket clients for tests and the delivery bench: real sockets, every call
// bounded by a timeout. Beast stays in client.cpp.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chat::e2e {

using headers = std::vector<std::pair<std::string, std::string>>;
using namespace std::chrono_literals;

struct http_response {
  int status = 0;  ///< 0 when the request failed (see error)
  std::string body;
  headers fields;
  std::string error;
  /// First value of a header (case-insensitive name), or "".
  std::string header(std::string_view name) const;
  /// Value of a cookie set by Set-Cookie, or "".
  std::string set_cookie(std::string_view name) const;
};

/// One HTTP/1.1 request on a fresh connection. `source_ip` binds the client side (rate limits
/// are per IP; benches spread over 127.0.0.x).
http_response http_request(std::uint16_t port, std::string method, std::string target,
                           std::string body = {}, headers extra = {},
                           std::chrono::milliseconds timeout = 10s, std::string source_ip = {});

/// What one read from a WebSocket gave.
struct ws_read {
  enum class kind { text, binary, closed, timeout, error } what = kind::error;
  std::string data;
  int close_code = 0;  ///< for closed
  std::string reason;  ///< close reason, or the error message
};

class ws_client {
 public:
  struct result {
    std::unique_ptr<ws_client> client;  ///< set on success
    int http_status = 0;                ///< when the upgrade was refused
    std::string body;
    std::string error;
  };
  /// Connects and upgrades GET /ws with these headers (e.g. Cookie).
  static result connect(std::uint16_t port, headers extra = {},
                        std::chrono::milliseconds timeout = 10s, std::string source_ip = {});
  ~ws_client();

  bool send_text(std::string_view text, std::chrono::milliseconds timeout = 10s);
  bool send_binary(std::string_view data, std::chrono::milliseconds timeout = 10s);
  /// A WebSocket ping frame (control frame, not a protocol request).
  bool send_ping(std::chrono::milliseconds timeout = 10s);
  /// Pongs and pings received so far (seen only while a read runs, as with any Beast client).
  int pongs_seen() const;
  int pings_seen() const;
  /// Waits for the next message; a timeout leaves the read pending for the next call.
  ws_read read(std::chrono::milliseconds timeout);
  /// Sends a close frame (1000) and waits briefly for the handshake to finish.
  void close();
  /// Drops the TCP connection without a close frame.
  void abort();

  struct impl;

 private:
  explicit ws_client(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

}  // namespace chat::e2e
