#pragma once
// A stream layer under websocket::stream that gathers writes: while held, every write is appended
// to one buffer and completes at once; on release the buffer goes to the socket in one write (one
// sendmsg for a whole batch of frames instead of one per frame). Beast's own control frames
// (pong, keep-alive ping, close) go through the same FIFO, so bytes never interleave; unheld
// writes start a socket write at once.
//
// On the read side it watches the frames it hands to Beast (gateway/frame_tracker.hpp), so the
// session knows when Beast's stream holds no unread byte and an idle connection may wait for the
// socket to become readable instead of keeping a read operation and its buffer. A read that
// meets only control frames (a keep-alive pong, a ping) would otherwise stay pending until the
// next message: once Beast has consumed them and asks for more, the layer answers with an empty
// masked text frame of its own, which ends that read; the session drops it (take_synthetic()).
// Only websocket_session.{hpp,cpp} include this (Beast headers).
#include <algorithm>
#include <array>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "gateway/frame_tracker.hpp"

namespace chat::gateway {

template <class Next>
class coalescing_stream {
 public:
  using next_layer_type = Next;
  using executor_type = typename Next::executor_type;
  using executor_type_of_next = executor_type;
  using error_code = boost::beast::error_code;

  explicit coalescing_stream(Next&& next) : next_(std::move(next)) {}

  executor_type get_executor() noexcept { return next_.get_executor(); }
  Next& next_layer() noexcept { return next_; }
  const Next& next_layer() const noexcept { return next_; }

  /// Who keeps this layer alive while a socket write runs (the session that owns it).
  void set_owner(std::weak_ptr<void> owner) { owner_ = std::move(owner); }
  /// Called (on the owner's strand) when a socket write finished and nothing else is in flight.
  void on_flushed(std::function<void(error_code)> f) { flushed_ = std::move(f); }

  /// Writes from now on are only buffered...
  void hold() { held_ = true; }
  /// ...until this, which starts one socket write with everything buffered.
  void release() {
    held_ = false;
    flush();
  }
  bool flushing() const { return flushing_; }
  std::size_t pending_bytes() const { return pending_.size(); }

  /// Ending control-frame-only reads with a synthetic message (the session waits for
  /// readability between messages; off for TLS, where OpenSSL may hold bytes the socket does not).
  void end_idle_reads(bool on) { end_idle_reads_ = on; }
  /// The session starts a WebSocket read / has read one whole data message.
  void read_started() {
    read_active_ = true;
    fed_in_read_ = 0;
  }
  void message_taken() {
    read_active_ = false;
    tracker_.message_taken();
  }
  /// The message just read was the layer's own empty frame: drop it.
  bool take_synthetic() { return std::exchange(synthetic_, false); }
  /// Beast holds no unread byte: nothing but whole messages the session took went in.
  bool at_rest() const { return tracker_.at_rest(); }
  /// No more synthetic frames (the session is closing).
  void stop_idle_reads() { end_idle_reads_ = false; }

  template <class Buffers, class Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    // Beast asks for more while its read met only control frames, all consumed: end that read.
    if (end_idle_reads_ && read_active_ && fed_in_read_ > 0 && !synthetic_ &&
        tracker_.between_messages() && !tracker_.close_seen() &&
        boost::asio::buffer_size(buffers) >= synthetic_frame.size()) {
      synthetic_ = true;
      auto n = boost::asio::buffer_copy(buffers, boost::asio::buffer(synthetic_frame));
      tracker_.feed(synthetic_frame.data(), n);
      boost::asio::post(get_executor(), boost::beast::bind_handler(std::forward<Handler>(handler),
                                                                   error_code{}, n));
      return;
    }
    next_.async_read_some(buffers, read_op<Buffers, std::decay_t<Handler>>{
                                       this, buffers, std::forward<Handler>(handler)});
  }

  template <class Buffers, class Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    std::size_t n = 0;
    auto ec = error_;
    if (!ec) {
      n = boost::asio::buffer_size(buffers);
      auto old = pending_.size();
      if (pending_.capacity() == 0) pending_.reserve(std::max<std::size_t>(n, 4096));
      pending_.resize(old + n);
      boost::asio::buffer_copy(boost::asio::buffer(pending_.data() + old, n), buffers);
      flush();
    }
    // Never complete inline (the caller's composed operation expects a later invocation).
    boost::asio::post(get_executor(),
                      boost::beast::bind_handler(std::forward<Handler>(handler), ec, n));
  }

  /// Runs `f` once no byte is buffered or in flight (the websocket teardown waits for the close
  /// frame to reach the socket), or at once after a write error.
  void when_idle(std::function<void()> f) {
    if (error_ || (!flushing_ && pending_.empty())) return f();
    idle_ = std::move(f);
  }

 private:
  void flush() {
    if (held_ || flushing_ || pending_.empty() || error_) return;
    auto owner = owner_.lock();
    if (!owner) return;
    flushing_ = true;
    writing_.swap(pending_);
    pending_.clear();
    boost::asio::async_write(
        next_, boost::asio::buffer(writing_),
        [this, owner = std::move(owner)](error_code ec, std::size_t) { on_written(ec); });
  }

  void on_written(error_code ec) {
    flushing_ = false;
    // A connection that stays busy keeps no large buffer around after a burst.
    if (writing_.capacity() > 16 * 1024)
      std::vector<char>().swap(writing_);
    else
      writing_.clear();
    if (ec) {
      error_ = ec;
      std::vector<char>().swap(pending_);
    }
    flush();
    if (flushing_) return;
    // Nothing more to write: an idle connection keeps no write buffer at all.
    if (pending_.empty()) {
      std::vector<char>().swap(writing_);
      std::vector<char>().swap(pending_);
    }
    if (flushed_) flushed_(ec);
    if (idle_ && pending_.empty()) std::exchange(idle_, nullptr)();
  }

  // FIN + text, masked with a zero key, no payload: the smallest message a client may send.
  static constexpr std::array<unsigned char, 6> synthetic_frame{0x81, 0x80, 0, 0, 0, 0};

  // Counts what the socket gave before Beast sees it (Beast unmasks payloads in place later).
  template <class Buffers, class Handler>
  struct read_op {
    coalescing_stream* self;
    Buffers buffers;
    Handler handler;

    using executor_type = boost::asio::associated_executor_t<Handler, executor_type_of_next>;
    executor_type get_executor() const noexcept {
      return boost::asio::get_associated_executor(handler, self->next_.get_executor());
    }

    void operator()(error_code ec, std::size_t n) {
      self->fed_in_read_ += n;
      auto left = n;
      for (auto it = boost::asio::buffer_sequence_begin(buffers);
           left > 0 && it != boost::asio::buffer_sequence_end(buffers); ++it) {
        boost::asio::mutable_buffer b = *it;
        auto take = std::min(left, b.size());
        self->tracker_.feed(static_cast<const unsigned char*>(b.data()), take);
        left -= take;
      }
      std::move(handler)(ec, n);
    }
  };

  Next next_;
  frame_tracker tracker_;
  std::uint64_t fed_in_read_ = 0;
  bool end_idle_reads_ = false;
  bool read_active_ = false;
  bool synthetic_ = false;
  std::weak_ptr<void> owner_;
  std::function<void(error_code)> flushed_;
  std::function<void()> idle_;
  std::vector<char> pending_, writing_;
  error_code error_;
  bool held_ = false;
  bool flushing_ = false;
};

template <class Next>
void teardown(boost::beast::role_type role, coalescing_stream<Next>& s,
              boost::beast::error_code& ec) {
  using boost::beast::websocket::teardown;
  teardown(role, s.next_layer(), ec);
}

template <class Next, class Handler>
void async_teardown(boost::beast::role_type role, coalescing_stream<Next>& s, Handler&& handler) {
  // std::function needs a copyable callable; the handler is move-only.
  auto h = std::make_shared<std::decay_t<Handler>>(std::forward<Handler>(handler));
  s.when_idle([role, &s, h] {
    using boost::beast::websocket::async_teardown;
    async_teardown(role, s.next_layer(), std::move(*h));
  });
}

}  // namespace chat::gateway
