#pragma once
// A WebSocket session: one per /ws upgrade, all of its handlers on one strand (chat-multi's
// websocket_session; send() posts onto the session's executor). It authenticates the upgrade (or
// waits for a hello with a token), hands frames to the actors' connection, and writes what the
// actors send through the coalescing layer with backpressure (gateway/backlog.hpp). A template on
// the stream (plain or TLS) as in Beast's example/advanced/server-flex; websocket_session.cpp
// instantiates both, so only it compiles the WebSocket code.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "actors/server.hpp"
#include "auth/http_error.hpp"
#include "auth/service.hpp"
#include "gateway/auth_request.hpp"
#include "gateway/backlog.hpp"
#include "gateway/beast.hpp"
#include "gateway/coalescing_stream.hpp"
#include "gateway/frame_queue.hpp"

namespace chat::protocol {
class parser;
}

namespace chat::gateway {

class shared_state;

/// What a WebSocket runs over: plain connections the bare socket (beast::tcp_stream's two timers
/// are not needed once the WebSocket runs its own: ~600 bytes less per connection), TLS ones the
/// TLS stream as it is.
inline tcp::socket to_ws_stream(beast::tcp_stream&& s) {
  return s.release_socket();
}
inline beast::ssl_stream<beast::tcp_stream> to_ws_stream(beast::ssl_stream<beast::tcp_stream>&& s) {
  return std::move(s);
}
template <class HttpStream>
using ws_stream_of = decltype(to_ws_stream(std::declval<HttpStream>()));

template <class Stream>
class websocket_session : public std::enable_shared_from_this<websocket_session<Stream>> {
 public:
  static constexpr bool is_tls = !std::is_same_v<Stream, tcp::socket>;

  websocket_session(Stream&& stream, shared_state& st, std::shared_ptr<void> slot);

  ~websocket_session();

  // Authenticates (cookie / Bearer) before accepting; no credentials -> accept and wait for hello.
  void run(http_request req);

  // Called from CAF threads through the sink: hop onto our strand. Frames gather in the inbox and
  // one post carries all that arrived before the strand ran (one handoff per batch, not per frame).
  void post_send(std::shared_ptr<const std::string> frame);

  void post_close(std::uint16_t code, std::string reason);

 private:
  // The actor system holds this; a weak reference so a forgotten sink cannot keep a socket alive.
  struct sink final : actors::frame_sink {
    explicit sink(std::weak_ptr<websocket_session> s) : session(std::move(s)) {}
    void send(std::shared_ptr<const std::string> frame) override {
      if (auto s = session.lock()) s->post_send(std::move(frame));
    }
    void close(std::uint16_t code, std::string reason) override {
      if (auto s = session.lock()) s->post_close(code, std::move(reason));
    }
    actors::sink_stats stats() const override {
      actors::sink_stats out;
      if (auto s = session.lock()) {
        out.peer = s->peer_;
        out.queued_frames = s->queued_frames_.load(std::memory_order_relaxed);
        out.queued_bytes = s->queued_bytes_.load(std::memory_order_relaxed);
      }
      return out;
    }
    bool congested() const override {
      auto s = session.lock();
      return s && s->congested_.load(std::memory_order_relaxed);
    }
    std::weak_ptr<websocket_session> session;
  };

  // Bounded session checks: the timer answers `on_timeout` unless the check answers first.
  template <class F>
  void start_auth_timer(F on_timeout);
  bool take_auth_answer();
  // On the pool: a check that waited in the queue past its deadline is not started at all (its
  // answer went out already), so a backlog drains at once instead of hitting the database.
  template <class F>
  static auth::session_check checked_in_time(std::chrono::steady_clock::time_point deadline,
                                             F check);

  // Refuses the upgrade: 401 for an invalid or expired session, 503 when it could not be checked.
  void reject_http(auth::http_error code);

  void do_accept(std::optional<auth::identity> who);

  void on_accept(error_code ec, std::optional<auth::identity> who);

  void connect_actor(const auth::identity& who);

  // Reads the next message, or (idle, nothing buffered) first waits for the socket to be readable.
  void do_read();

  void start_read();

  void on_read(error_code ec, std::size_t);

  // Unauthenticated so far: the frame must be a hello with a token.
  void on_hello_frame(std::string text);

  // Cannot check the token now: the client keeps it and reconnects (1013 try again later).
  void reject_1013(const std::string& ref);

  void reject_4001(const std::string& ref, std::string message);

  void enqueue_own(std::string frame);

  void drain_inbox();

  void enqueue(std::shared_ptr<const std::string> frame);

  coalescing_stream<Stream>& layer() { return ws_.next_layer(); }
  tcp::socket& socket() {
    if constexpr (is_tls)
      return beast::get_lowest_layer(ws_).socket();
    else
      return beast::get_lowest_layer(ws_);
  }

  // Hands queued frames to the coalescing layer (each write completes at once, buffered), up to
  // batch_bytes, then releases them to the socket in one write. One batch in flight at a time.
  void pump();

  void write_front();

  void on_write(error_code ec);

  // The socket accepted everything handed to it (or failed).
  void on_flushed(error_code ec);

  // Checked while frames wait behind a running write; idle sockets arm no timer.
  void arm_stall_check();

  // The client does not read (or not nearly enough): drop what it has not been handed yet and
  // close 4008; begin_close bounds how long the close frame may take.
  void slow_consumer();

  // Flush what is queued, then the close frame; a peer that does not take them within
  // close_grace loses its socket (reset, so its kernel buffers are freed at once).
  void begin_close(std::uint16_t code, std::string_view reason);

  void do_close();

  void finish();

  void report_closed();

  net::steady_timer& timer(std::unique_ptr<net::steady_timer>& t);
  static void cancel(std::unique_ptr<net::steady_timer>& t);

  /// For chatctl inspect connection (read by the sink from CAF threads).
  void count_queued(std::int64_t frames, std::int64_t bytes);
  void recount();

  websocket::stream<coalescing_stream<Stream>> ws_;
  std::string peer_;
  std::atomic<std::int64_t> queued_frames_{0}, queued_bytes_{0};
  shared_state& st_;
  std::shared_ptr<void> slot_;  // this socket's place in the per-address count
  // Timers exist only while needed (each costs ~180 bytes): the hello wait, then the session
  // check, one at a time; the guard while writes are congested, and for the close grace.
  std::unique_ptr<net::steady_timer> auth_timer_;
  std::chrono::steady_clock::time_point auth_deadline_{};
  bool auth_answered_ = true;
  std::unique_ptr<net::steady_timer> guard_timer_;
  backlog backlog_;
  std::atomic<bool> congested_{false};  ///< read by the actor side (sync replay waits)
  std::unique_ptr<http_request> req_;   ///< the upgrade request, until accepted
  beast::flat_buffer buffer_;
  frame_queue queue_;
  std::mutex inbox_mu_;  ///< guards the two below (CAF threads add, the strand drains)
  std::vector<std::shared_ptr<const std::string>> inbox_;
  bool inbox_posted_ = false;
  std::vector<std::shared_ptr<const std::string>> draining_;  ///< the strand's side of the inbox
  std::shared_ptr<actors::connection> conn_;
  std::unique_ptr<protocol::parser> parser_;  // only while waiting for hello
  std::uint64_t registry_id_ = 0;
  std::unique_ptr<websocket::close_reason> close_reason_;  ///< set once closing (152 bytes)
  std::size_t batch_bytes_ = 0;  ///< frame bytes in the batch being handed to the layer
  std::size_t in_flight_ = 0;    ///< frame bytes in the socket write now running
  bool pumping_ = false;
  bool read_paused_ = false;
  bool stall_armed_ = false;
  bool closing_ = false;
  bool close_started_ = false;
  bool finished_ = false;
};

extern template class websocket_session<tcp::socket>;
extern template class websocket_session<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace chat::gateway
