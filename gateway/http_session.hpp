#pragma once
// An HTTP connection (chat-multi's http_session): reads one request at a time, routes it
// (gateway/routes.hpp), answers it, and hands a WebSocket upgrade to websocket_session. A
// template on the stream (plain or TLS); http_session.cpp instantiates both.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "auth/http_error.hpp"
#include "auth/service.hpp"
#include "gateway/attachments.hpp"
#include "gateway/auth_request.hpp"
#include "gateway/beast.hpp"

namespace chat::gateway {

class shared_state;

template <class Stream>
class http_session : public std::enable_shared_from_this<http_session<Stream>> {
 public:
  static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

  /// `slot`: this connection's place in the per-address count; `metrics_only`: the
  /// --metrics-listen port, which serves /metrics and /healthz and nothing else.
  http_session(Stream&& stream, shared_state& st, std::shared_ptr<void> slot, bool metrics_only);

  void run();

 private:
  beast::tcp_stream& lowest() { return beast::get_lowest_layer(stream_); }

  // TLS only: a handshake that stalls (or never starts) costs at most tls_handshake_timeout.
  void do_handshake();

  void do_read();

  void on_read(error_code ec);

  void handle_auth(http_request&& req);

  // From a pool or hashing thread: write the answer on our strand.
  void write_auth_response(auth::http_response res, unsigned version, bool keep_alive);

  // Authenticated like the WebSocket (cookie or Bearer); the work runs on the attachment pool.
  void handle_attachment(http_request&& req);
  // POST /api/attachments once its header is in: authenticated first, then the body streams
  // through chunk_ into a temporary file, one chunk at a time (read, then written on the pool,
  // then the next read), so an upload holds one chunk of memory whatever its size.
  void start_upload();
  void begin_upload_body();
  void read_upload_chunk();
  void on_upload_chunk(error_code ec);
  // Answers the upload; an answer before the whole body was read closes the connection.
  void end_upload(attachment_reply&& res);
  // After answering a request whose body was not read: read and drop what the client still
  // sends (bounded) so closing does not reset the connection before it reads the answer.
  void drain();
  void send_attachment(attachment_reply&& res, unsigned version, bool keep_alive);

  void handle_static(const http_request& req);

  void send_text(const http_request& req, http::status status, std::string_view type,
                 std::string body, std::string_view cache);

  /// An error from the one table (auth/http_error.hpp): its status, the {"error","message"} body.
  void send_error(auth::http_error code, unsigned version, std::string_view message,
                  bool keep_alive);

  template <class Body>
  void send(http::response<Body>&& msg);

  template <class Msg>
  void write(std::shared_ptr<Msg> sp, bool close);

  void do_eof();

  Stream stream_;
  shared_state& st_;
  std::shared_ptr<void> slot_;
  bool metrics_only_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::request_parser<http::buffer_body>> upload_parser_;
  std::shared_ptr<pending_upload> upload_;  // touched by one pool job at a time, between reads
  std::vector<char> chunk_;
  bool drain_on_close_ = false;
  bool expect_continue_ = false;  // the upload's header asked for "100 Continue"
  std::size_t drained_ = 0;
};

extern template class http_session<beast::tcp_stream>;
extern template class http_session<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace chat::gateway
