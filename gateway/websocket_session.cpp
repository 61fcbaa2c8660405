#include "gateway/websocket_session.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "auth/http_error.hpp"
#include "gateway/shared_state.hpp"
#include "metrics/registry.hpp"
#include "protocol/limits.hpp"
#include "protocol/parser.hpp"
#include "protocol/serializer.hpp"
#include "util/cookie.hpp"

namespace chat::gateway {

namespace {

std::string serialize_error(protocol::error_code code, std::string message, std::string ref = {}) {
  return protocol::serialize(
      protocol::server_frame{protocol::error_frame{code, std::move(message), std::move(ref)}});
}

}  // namespace

template <class Stream>
websocket_session<Stream>::websocket_session(Stream&& stream, shared_state& st,
                                             std::shared_ptr<void> slot)
    : ws_(std::move(stream)), st_(st), slot_(std::move(slot)), backlog_(st.cfg.backlog) {
  st_.stats.ws_sessions.Increment();
  error_code ec;
  auto ep = socket().remote_endpoint(ec);
  if (!ec) peer_ = ep.address().to_string() + ":" + std::to_string(ep.port());
}

template <class Stream>
websocket_session<Stream>::~websocket_session() {
  if (registry_id_) st_.remove_session(registry_id_);
  // Safety net: the actor side hears about the end exactly once whatever path we took.
  report_closed();
  st_.stats.ws_sessions.Decrement();
}

template <class Stream>
void websocket_session<Stream>::run(http_request req) {
  req_ = std::make_unique<http_request>(std::move(req));
  // Every write (the 101 answer too) goes through the coalescing layer (see pump()).
  layer().set_owner(this->weak_from_this());
  layer().on_flushed([this](error_code ec) { on_flushed(ec); });
  layer().end_idle_reads(!is_tls);
  bool has_cookie = !util::cookie_value(sv((*req_)[http::field::cookie]), auth::session_cookie)
                         .value_or("")
                         .empty();
  bool has_bearer = !(*req_)[http::field::authorization].empty();
  if (!has_cookie && !has_bearer) {
    do_accept(std::nullopt);
    return;
  }
  auto areq = to_auth_request(*req_, socket(), st_.cfg, is_tls);
  // The auth service blocks on the database: ask it on the pool, answer on our strand, and
  // answer 503 if that takes longer than auth_wait (a stalled database or a full pool).
  start_auth_timer(
      [self = this->shared_from_this()] { self->reject_http(auth::http_error::unavailable); });
  net::post(*st_.pool, [self = this->shared_from_this(), areq = std::move(areq),
                        deadline = auth_deadline_] {
    auto who = self->checked_in_time(deadline, [&] { return self->st_.auth.authenticate(areq); });
    net::post(self->ws_.get_executor(), [self, who = std::move(who)]() mutable {
      if (!self->take_auth_answer()) return;  // the timer answered already
      // "Cannot check" is not "signed out": the client keeps its session and retries.
      if (who.unavailable()) return self->reject_http(auth::http_error::unavailable);
      if (!who) return self->reject_http(auth::http_error::unauthenticated);
      self->do_accept(who.who);
    });
  });
}

template <class Stream>
void websocket_session<Stream>::post_send(std::shared_ptr<const std::string> frame) {
  {
    std::lock_guard<std::mutex> guard{inbox_mu_};
    inbox_.push_back(std::move(frame));
    if (inbox_posted_) return;
    inbox_posted_ = true;
  }
  net::post(ws_.get_executor(), [self = this->shared_from_this()] { self->drain_inbox(); });
}

template <class Stream>
void websocket_session<Stream>::post_close(std::uint16_t code, std::string reason) {
  net::post(ws_.get_executor(), [self = this->shared_from_this(), code,
                                 reason = std::move(reason)] { self->begin_close(code, reason); });
}

template <class Stream>
template <class F>
void websocket_session<Stream>::start_auth_timer(F on_timeout) {
  auth_answered_ = false;
  auth_deadline_ = std::chrono::steady_clock::now() + st_.cfg.auth_wait;
  auto& t = timer(auth_timer_);
  t.expires_at(auth_deadline_);
  t.async_wait([self = this->shared_from_this(), on_timeout](error_code ec) {
    if (ec || !self->take_auth_answer()) return;
    self->st_.note_outage("gateway session check", "no answer within the auth wait");
    on_timeout();
  });
}

template <class Stream>
bool websocket_session<Stream>::take_auth_answer() {
  if (auth_answered_) return false;
  auth_answered_ = true;
  cancel(auth_timer_);
  return true;
}

template <class Stream>
template <class F>
auth::session_check websocket_session<Stream>::checked_in_time(
    std::chrono::steady_clock::time_point deadline, F check) {
  if (std::chrono::steady_clock::now() >= deadline) {
    auth::session_check late;
    late.result = auth::session_check::outcome::unavailable;
    return late;
  }
  return check();
}

template <class Stream>
void websocket_session<Stream>::reject_http(auth::http_error code) {
  const bool unavailable = code == auth::http_error::unavailable;
  if (unavailable)
    st_.stats.ws_rejected_503.Increment();
  else
    st_.stats.ws_rejected_401.Increment();
  auto res = std::make_shared<http::response<http::string_body>>(
      static_cast<http::status>(auth::status_of(code)), req_->version());
  res->set(http::field::server, "chatd");
  res->set(http::field::content_type, "application/json");
  res->set(http::field::cache_control, "no-store");
  if (unavailable) res->set(http::field::retry_after, "1");
  res->keep_alive(false);
  res->body() = auth::error_body(
      code, unavailable ? "cannot check the session now; retry" : "invalid or expired session");
  res->prepare_payload();
  // The answer gets http_timeout to go out, then the socket is closed.
  auto& t = timer(guard_timer_);
  t.expires_after(st_.cfg.http_timeout);
  t.async_wait([self = this->shared_from_this()](error_code ec) {
    if (!ec) self->socket().close(ec);
  });
  // Through the TLS layer when there is one: ws_.next_layer() is the connection's stream.
  http::async_write(ws_.next_layer().next_layer(), *res,
                    [self = this->shared_from_this(), res](error_code ec, std::size_t) {
                      cancel(self->guard_timer_);
                      self->socket().shutdown(tcp::socket::shutdown_send, ec);
                    });
}

template <class Stream>
void websocket_session<Stream>::do_accept(std::optional<auth::identity> who) {
  // The websocket stream runs its own timeouts from here on.
  if constexpr (is_tls) beast::get_lowest_layer(ws_).expires_never();
  auto t = websocket::stream_base::timeout::suggested(beast::role_type::server);
  t.idle_timeout = st_.cfg.ws_idle_timeout;
  t.keep_alive_pings = true;
  ws_.set_option(t);
  ws_.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& res) { res.set(http::field::server, "chatd"); }));
  // Our own check in on_read enforces max_frame_bytes (so an error frame can go out first);
  // this is the backstop should a message slip past it.
  ws_.read_message_max(2 * protocol::limits::max_frame_bytes);
  ws_.async_accept(*req_, [self = this->shared_from_this(), who = std::move(who)](
                              error_code ec) mutable { self->on_accept(ec, std::move(who)); });
}

template <class Stream>
void websocket_session<Stream>::on_accept(error_code ec, std::optional<auth::identity> who) {
  if (ec) return fail(ec, "ws accept");
  st_.stats.ws_upgrades.Increment();
  registry_id_ = st_.add_session([weak = this->weak_from_this()] {
    if (auto s = weak.lock()) s->post_close(1001, "server shutting down");
  });
  req_.reset();
  if (who) {
    connect_actor(*who);
  } else {
    // Non-browser clients: the first frame must be a hello carrying a token, within the limit.
    auto& t = timer(auth_timer_);
    t.expires_after(st_.cfg.hello_timeout);
    t.async_wait([self = this->shared_from_this()](error_code ec) {
      // A hello being checked (auth_answered_ false) has its own bound.
      if (ec || self->conn_ || self->closing_ || !self->auth_answered_) return;
      self->reject_4001("", "no hello with a token within the time limit");
    });
  }
  do_read();
}

template <class Stream>
void websocket_session<Stream>::connect_actor(const auth::identity& who) {
  auth_timer_.reset();  // authenticated: its deadlines are over (a cancelled wait may be queued)
  conn_ = st_.actors.connect(who.user, who.username, std::make_shared<sink>(this->weak_from_this()),
                             who.session_expires_ms);
}

template <class Stream>
void websocket_session<Stream>::do_read() {
  if (closing_ || finished_) return;
  if (backlog_.should_throttle()) {
    // Backpressure: this client's own requests wait in the kernel until it has read enough.
    if (!read_paused_) st_.stats.ws_throttled.Increment();
    read_paused_ = true;
    return;
  }
  if (is_tls || !layer().at_rest()) return start_read();
  // Idle between messages: hold no read operation and no buffer until the client sends a byte
  // (Beast's keep-alive timer runs on its own meanwhile; its ping's pong wakes us like data).
  buffer_.shrink_to_fit();
  socket().async_wait(net::socket_base::wait_read, [self = this->shared_from_this()](error_code) {
    // An error (the socket closed by a timeout) is
    // the read's to report.
    if (!self->closing_ && !self->finished_) self->start_read();
  });
}

template <class Stream>
void websocket_session<Stream>::start_read() {
  layer().read_started();
  // Read in pieces so an oversized message is noticed before it is buffered whole.
  ws_.async_read_some(
      buffer_, 16 * 1024,
      [self = this->shared_from_this()](error_code ec, std::size_t n) { self->on_read(ec, n); });
}

template <class Stream>
void websocket_session<Stream>::on_read(error_code ec, std::size_t) {
  if (ec) {
    if (ec == websocket::error::message_too_big) st_.stats.ws_closed_1009.Increment();
    fail(ec, "ws read");
    return finish();
  }
  if (closing_) return;
  if (buffer_.size() > protocol::limits::max_frame_bytes) {
    st_.stats.ws_closed_1009.Increment();
    buffer_.consume(buffer_.size());
    enqueue_own(serialize_error(
        protocol::error_code::frame_too_large,
        fmt::format("frame larger than {} bytes", protocol::limits::max_frame_bytes)));
    // The close handshake drains the rest of the oversized message.
    begin_close(1009, "frame too large");
    return;
  }
  if (!ws_.is_message_done()) return do_read();
  layer().message_taken();
  if (layer().take_synthetic()) return do_read();  // the layer ended a control-frame-only read
  if (!ws_.got_text()) {
    st_.stats.ws_binary_refused.Increment();
    buffer_.consume(buffer_.size());
    enqueue_own(serialize_error(protocol::error_code::bad_json,
                                "binary frames are not supported: send JSON text frames"));
    return do_read();
  }
  std::string text = beast::buffers_to_string(buffer_.data());
  buffer_.consume(buffer_.size());
  if (conn_) {
    conn_->on_frame(std::move(text));
    return do_read();
  }
  on_hello_frame(std::move(text));
}

template <class Stream>
void websocket_session<Stream>::on_hello_frame(std::string text) {
  if (!parser_) parser_ = std::make_unique<protocol::parser>();
  auto parsed = parser_->parse(text);
  const protocol::hello_req* hello = nullptr;
  std::string ref;
  if (auto* r = std::get_if<protocol::request>(&parsed)) {
    ref = protocol::request_id(*r);
    hello = std::get_if<protocol::hello_req>(r);
  } else {
    // Say what is wrong with the frame (bad_field for an oversized token, unsupported_version,
    // ...). Nothing authenticated this socket, so there is no second try (docs/protocol.md, 3).
    auto& err = std::get<protocol::parse_error>(parsed);
    st_.stats.ws_closed_4001.Increment();
    enqueue_own(serialize_error(err.code, err.message, err.ref));
    begin_close(4001, "not authenticated");
    return;
  }
  if (!hello || !hello->token || hello->token->empty()) {
    reject_4001(ref, "the first frame must be a hello with a token (or upgrade with a cookie)");
    return;
  }
  std::string token = *hello->token;
  parser_.reset();
  // Stop reading until the token is checked: frames after hello wait in the socket. The
  // check has its own bound (auth_wait), so the hello timer is done.
  cancel(auth_timer_);
  start_auth_timer([self = this->shared_from_this(), ref] { self->reject_1013(ref); });
  net::post(*st_.pool, [self = this->shared_from_this(), token = std::move(token),
                        text = std::move(text), ref = std::move(ref),
                        deadline = auth_deadline_]() mutable {
    auto who = checked_in_time(deadline, [&] { return self->st_.auth.authenticate_token(token); });
    net::post(self->ws_.get_executor(), [self, who = std::move(who), text = std::move(text),
                                         ref = std::move(ref)]() mutable {
      if (!self->take_auth_answer()) return;  // the timer answered already
      if (self->closing_ || self->finished_) return;
      if (who.unavailable()) return self->reject_1013(ref);
      if (!who) return self->reject_4001(ref, "invalid or expired token");
      cancel(self->auth_timer_);
      self->connect_actor(who.who);
      self->conn_->on_frame(std::move(text));  // the connection answers the hello (welcome)
      self->do_read();
    });
  });
}

template <class Stream>
void websocket_session<Stream>::reject_1013(const std::string& ref) {
  st_.stats.ws_closed_1013.Increment();
  enqueue_own(
      serialize_error(protocol::error_code::unavailable, "cannot check the token now; retry", ref));
  begin_close(1013, "try again later");
}

template <class Stream>
void websocket_session<Stream>::reject_4001(const std::string& ref, std::string message) {
  st_.stats.ws_closed_4001.Increment();
  enqueue_own(serialize_error(protocol::error_code::not_authenticated, std::move(message), ref));
  begin_close(4001, "not authenticated");
}

template <class Stream>
void websocket_session<Stream>::enqueue_own(std::string frame) {
  enqueue(std::make_shared<const std::string>(std::move(frame)));
}

template <class Stream>
void websocket_session<Stream>::drain_inbox() {
  {
    std::lock_guard<std::mutex> guard{inbox_mu_};
    draining_.swap(inbox_);
    inbox_posted_ = false;
  }
  for (auto& f : draining_) enqueue(std::move(f));
  draining_.clear();
  // A burst keeps no large buffer around on an idle connection.
  if (draining_.capacity() > 256) std::vector<std::shared_ptr<const std::string>>().swap(draining_);
}

template <class Stream>
void websocket_session<Stream>::enqueue(std::shared_ptr<const std::string> frame) {
  if (closing_ || finished_) return;
  backlog_.queued(frame->size());
  count_queued(1, static_cast<std::int64_t>(frame->size()));
  queue_.push_back(std::move(frame));
  if (backlog_.over_max()) return slow_consumer();
  if (backlog_.should_throttle()) congested_.store(true, std::memory_order_relaxed);
  // A write still running when more frames come: watch it (cheap: one timer per period).
  if (layer().flushing()) arm_stall_check();
  pump();
}

template <class Stream>
void websocket_session<Stream>::pump() {
  if (pumping_ || finished_ || layer().flushing()) return;
  if (queue_.empty()) {
    if (close_reason_ && !close_started_) do_close();
    return;
  }
  pumping_ = true;
  layer().hold();
  ws_.text(true);
  write_front();
}

template <class Stream>
void websocket_session<Stream>::write_front() {
  // The handler holds the frame too: finish() may clear the queue while this write runs.
  auto frame = queue_.front();
  ws_.async_write(net::buffer(*frame), [self = this->shared_from_this(), frame](
                                           error_code ec, std::size_t) { self->on_write(ec); });
}

template <class Stream>
void websocket_session<Stream>::on_write(error_code ec) {
  if (ec) {
    pumping_ = false;
    layer().release();
    fail(ec, "ws write");
    return finish();
  }
  if (finished_) return;
  count_queued(-1, -static_cast<std::int64_t>(queue_.front()->size()));
  batch_bytes_ += queue_.front()->size();
  queue_.pop_front();
  if (!queue_.empty() && layer().pending_bytes() < st_.cfg.backlog.batch_bytes)
    return write_front();
  pumping_ = false;
  in_flight_ = batch_bytes_;
  batch_bytes_ = 0;
  backlog_.write_started(std::chrono::steady_clock::now());
  backlog_.in_flight(in_flight_);
  layer().release();
  if (!layer().flushing()) on_flushed({});  // nothing to write (write error already reported)
}

template <class Stream>
void websocket_session<Stream>::on_flushed(error_code ec) {
  if (ec) {
    fail(ec, "ws write");
    return finish();
  }
  backlog_.accepted(in_flight_, std::chrono::steady_clock::now());
  backlog_.in_flight(0);
  in_flight_ = 0;
  if (!backlog_.should_throttle()) congested_.store(false, std::memory_order_relaxed);
  if (read_paused_ && backlog_.may_resume() && !closing_ && !finished_) {
    read_paused_ = false;
    do_read();
  }
  pump();
}

template <class Stream>
void websocket_session<Stream>::arm_stall_check() {
  if (stall_armed_ || closing_ || finished_) return;
  stall_armed_ = true;
  auto period = std::max<std::chrono::milliseconds>(std::chrono::milliseconds(50),
                                                    st_.cfg.backlog.stall_timeout / 4);
  auto& t = timer(guard_timer_);
  t.expires_after(period);
  t.async_wait([self = this->shared_from_this()](error_code ec) {
    if (ec || self->closing_ || self->finished_) return;
    self->stall_armed_ = false;
    if (self->backlog_.stalled(std::chrono::steady_clock::now())) return self->slow_consumer();
    if (self->backlog_.bytes() > 0) return self->arm_stall_check();
    self->guard_timer_.reset();  // caught up: an idle connection keeps no timer
  });
}

template <class Stream>
void websocket_session<Stream>::slow_consumer() {
  st_.stats.ws_closed_4008.Increment();
  auto keep = pumping_ ? 1 : 0;  // the frame inside a running write stays
  while (queue_.size() > static_cast<std::size_t>(keep)) {
    backlog_.dropped(queue_.back()->size());
    queue_.pop_back();
  }
  recount();
  begin_close(4008, "slow consumer");
}

template <class Stream>
void websocket_session<Stream>::begin_close(std::uint16_t code, std::string_view reason) {
  if (closing_ || finished_) return;
  closing_ = true;
  layer().stop_idle_reads();
  cancel(auth_timer_);
  close_reason_ = std::make_unique<websocket::close_reason>(
      static_cast<websocket::close_code>(code), bsv(reason));
  stall_armed_ = false;
  auto& t = timer(guard_timer_);
  t.expires_after(st_.cfg.backlog.close_grace);
  t.async_wait([self = this->shared_from_this()](error_code ec) {
    if (ec || self->finished_) return;
    auto& sock = self->socket();
    error_code ignored;
    sock.set_option(net::socket_base::linger(true, 0), ignored);
    sock.close(ignored);
    self->finish();
  });
  pump();
}

template <class Stream>
void websocket_session<Stream>::do_close() {
  close_started_ = true;
  ws_.async_close(*close_reason_, [self = this->shared_from_this()](error_code ec) {
    fail(ec, "ws close");
    self->finish();
  });
}

template <class Stream>
void websocket_session<Stream>::finish() {
  if (finished_) return;
  finished_ = true;
  cancel(auth_timer_);
  cancel(guard_timer_);
  queue_.clear();
  recount();
  report_closed();
}

template <class Stream>
void websocket_session<Stream>::report_closed() {
  if (conn_) {
    auto c = std::move(conn_);
    conn_.reset();
    c->on_closed();
  }
}

template <class Stream>
net::steady_timer& websocket_session<Stream>::timer(std::unique_ptr<net::steady_timer>& t) {
  if (!t) t = std::make_unique<net::steady_timer>(ws_.get_executor());
  return *t;
}

template <class Stream>
void websocket_session<Stream>::cancel(std::unique_ptr<net::steady_timer>& t) {
  if (t) t->cancel();
}

template <class Stream>
void websocket_session<Stream>::count_queued(std::int64_t frames, std::int64_t bytes) {
  queued_frames_.fetch_add(frames, std::memory_order_relaxed);
  queued_bytes_.fetch_add(bytes, std::memory_order_relaxed);
}

template <class Stream>
void websocket_session<Stream>::recount() {
  std::int64_t bytes = 0;
  for (auto& f : queue_) bytes += static_cast<std::int64_t>(f->size());
  queued_frames_.store(static_cast<std::int64_t>(queue_.size()), std::memory_order_relaxed);
  queued_bytes_.store(bytes, std::memory_order_relaxed);
}

template class websocket_session<tcp::socket>;
template class websocket_session<beast::ssl_stream<beast::tcp_stream>>;

}  // namespace chat::gateway
