#pragma once
// One asynchronous WebSocket client connection for chat-bench: thousands share one io_context
// thread, so the load generator stays cheap next to the server it measures. Beast stays in
// ws_conn.cpp.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
}

namespace chat::bench {

struct endpoint {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::string path = "/";
};

class ws_conn {
 public:
  using clock = std::chrono::steady_clock;
  /// Every text frame the server sends (the view dies when the callback returns).
  std::function<void(ws_conn&, std::string_view)> on_text;
  /// Opened (handshake done) or failed (`error` set).
  std::function<void(ws_conn&, const std::string& error)> on_open;
  /// The server closed (code from its close frame, 0 when the socket just ended).
  std::function<void(ws_conn&, int code)> on_closed;

  /// `source_ip`: the client's address (127.0.0.x spreads ports and per-address limits).
  static std::shared_ptr<ws_conn> create(boost::asio::io_context& ioc, int index);
  virtual ~ws_conn() = default;
  virtual void open(const endpoint& to, const std::string& source_ip,
                    const std::string& cookie) = 0;
  /// Queues a text frame; written in order, one write in flight.
  virtual void send(std::string text) = 0;
  virtual void close() = 0;
  /// Pauses/resumes reading the socket (the slow-reader scenario).
  virtual void pause_reading(bool paused) = 0;

  int index = 0;
  clock::time_point started{}, opened{};
  bool is_open = false, is_closed = false;
  int close_code = 0;
  std::int64_t tag = 0;  ///< scenario data (a conversation id, a peer index)
};

}  // namespace chat::bench
