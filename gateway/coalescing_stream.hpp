#pragma once
// A stream layer under websocket::stream that gathers writes: while held, every write is appended
// to one buffer and completes at once; on release the buffer goes to the socket in one write (one
// sendmsg for a whole batch of frames instead of one per frame). Beast's own control frames
// (pong, keep-alive ping, close) go through the same FIFO, so bytes never interleave; unheld
// writes start a socket write at once. Only websocket_session.{hpp,cpp} include this (Beast headers).
#include <boost/asio/buffer.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/bind_handler.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/websocket/teardown.hpp>
#include <functional>
#include <memory>
#include <utility>
#include <vector>

namespace chat::gateway {

template <class Next>
class coalescing_stream {
 public:
  using next_layer_type = Next;
  using executor_type = typename Next::executor_type;
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

  template <class Buffers, class Handler>
  void async_read_some(const Buffers& buffers, Handler&& handler) {
    next_.async_read_some(buffers, std::forward<Handler>(handler));
  }

  template <class Buffers, class Handler>
  void async_write_some(const Buffers& buffers, Handler&& handler) {
    std::size_t n = 0;
    auto ec = error_;
    if (!ec) {
      n = boost::asio::buffer_size(buffers);
      auto old = pending_.size();
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
    // Idle connections keep no large buffer around after a burst.
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
    if (flushed_) flushed_(ec);
    if (idle_ && pending_.empty()) std::exchange(idle_, nullptr)();
  }

  Next next_;
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
