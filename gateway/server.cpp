// The only Beast translation unit of chatd: listener, HTTP session, WebSocket session.
// Shaped after Boost.Beast's example/websocket/server/chat-multi (a strand per connection, send()
// posts onto the session's executor) and example/advanced/server (timeouts, bounded queue). The
// sessions are templates on the stream (beast::tcp_stream or beast::ssl_stream of one), as in
// example/advanced/server-flex, so plain and TLS connections share one implementation.
#include "gateway/server.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <algorithm>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <unordered_map>
#include <vector>

#include "actors/server.hpp"
#include "auth/http_error.hpp"
#include "auth/service.hpp"
#include "gateway/backlog.hpp"
#include "gateway/coalescing_stream.hpp"
#include "gateway/origin_policy.hpp"
#include "gateway/static_files.hpp"
#include "logging/logger.hpp"
#include "metrics/registry.hpp"
#include "persistence/outage_log.hpp"
#include "protocol/limits.hpp"
#include "protocol/parser.hpp"
#include "protocol/serializer.hpp"
#include "util/cookie.hpp"
#include "util/text.hpp"
#include "util/uri.hpp"

namespace chat::gateway {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = beast::error_code;

/// Answers of auth calls that may finish on auth's own (hashing) threads. The writers, which own
/// their sessions, are held here rather than by those threads, so every session dies while the
/// io_context is alive, and an answer that arrives after stop() is dropped.
class waiting_answers {
 public:
  using writer = std::function<void(auth::http_response)>;
  std::uint64_t hold(writer w) {
    std::lock_guard lock(mu_);
    auto id = ++next_;
    if (open_) held_.emplace(id, std::move(w));
    return id;
  }
  void answer(std::uint64_t id, auth::http_response res) {
    std::lock_guard lock(mu_);  // held while posting: close() cannot run meanwhile
    auto it = held_.find(id);
    if (it == held_.end()) return;
    auto w = std::move(it->second);
    held_.erase(it);
    w(std::move(res));
  }
  void close() {
    std::unordered_map<std::uint64_t, writer> dropped;
    {
      std::lock_guard lock(mu_);
      open_ = false;
      dropped.swap(held_);
    }
  }

 private:
  std::mutex mu_;
  bool open_ = true;
  std::uint64_t next_ = 0;
  std::unordered_map<std::uint64_t, writer> held_;
};

struct server::impl {
  impl(config c, actors::server& a, auth::service& s)
      : cfg(std::move(c)),
        actors(a),
        auth(s),
        stats(a.registry()),
        ioc(std::make_unique<net::io_context>(std::max(1, cfg.io_threads))),
        pool(std::make_unique<net::thread_pool>(std::max(1, cfg.blocking_threads))) {}

  config cfg;
  actors::server& actors;
  auth::service& auth;
  chat::metrics::registry& stats;  ///< the process's one registry (the actors' too)
  origin_policy origins{cfg.allowed_origins};
  std::shared_ptr<waiting_answers> waiting_auth = std::make_shared<waiting_answers>();
  std::uint16_t bound_port = 0;
  std::uint16_t bound_metrics_port = 0;
  std::atomic<bool> accepting{false};
  std::promise<int> signal_promise;
  std::future<int> signal_future = signal_promise.get_future();
  // Owned by pointer so the destructor can tear them down in a safe order (handlers still queued
  // in the io_context reference this impl).
  std::unique_ptr<net::io_context> ioc;
  std::unique_ptr<net::thread_pool> pool;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<tcp::acceptor> metrics_acceptor;  ///< --metrics-listen (loopback only)
  std::unique_ptr<net::steady_timer> accept_pause;  ///< backoff after EMFILE and friends
  std::chrono::milliseconds accept_backoff{0};
  persistence::outage_log accept_errors;
  std::unique_ptr<net::ssl::context> tls;  ///< set when config names a certificate and key
  std::unique_ptr<net::signal_set> signals;
  std::vector<std::thread> threads;
  bool stopped = false;
  // Open WebSocket sessions, so shutdown can close those the actor system does not know (yet).
  std::mutex sessions_mutex;
  std::uint64_t next_session_id = 0;
  std::unordered_map<std::uint64_t, std::function<void()>> session_closers;

  std::uint64_t add_session(std::function<void()> closer) {
    std::lock_guard lock(sessions_mutex);
    auto id = ++next_session_id;
    session_closers.emplace(id, std::move(closer));
    return id;
  }
  void remove_session(std::uint64_t id) {
    std::lock_guard lock(sessions_mutex);
    session_closers.erase(id);
  }
  void close_all_sessions() {
    std::vector<std::function<void()>> closers;
    {
      std::lock_guard lock(sessions_mutex);
      for (auto& [id, f] : session_closers) closers.push_back(f);
    }
    for (auto& f : closers) f();  // outside the lock: each only posts to its session's strand
  }

  void do_accept();
  void do_accept_metrics();
  /// An accept failed: log (rate limited), and for resource exhaustion pause before the next try
  /// so the loop does not spin on a full fd table.
  void on_accept_error(const error_code& ec);
  void shutdown_threads();

  // Open connections per client address (the TCP peer), capped by cfg.max_connections_per_ip.
  std::mutex per_ip_mutex;
  std::unordered_map<std::string, int> per_ip;
  /// Counts a new connection; false when its address is at the cap (then it is not counted).
  bool admit(const std::string& ip) {
    if (cfg.max_connections_per_ip <= 0) return true;
    std::lock_guard lock(per_ip_mutex);
    auto& n = per_ip[ip];
    if (n >= cfg.max_connections_per_ip) {
      if (n == 0) per_ip.erase(ip);
      return false;
    }
    ++n;
    return true;
  }
  void release(const std::string& ip) {
    if (cfg.max_connections_per_ip <= 0) return;
    std::lock_guard lock(per_ip_mutex);
    auto it = per_ip.find(ip);
    if (it != per_ip.end() && --it->second <= 0) per_ip.erase(it);
  }
  /// A fault answered `unavailable` by the gateway itself: counted, logged at most every 5 s.
  void note_outage(std::string_view source, std::string_view message) {
    stats.count_unavailable("gateway");
    if (auto line = outages.record(source, message)) CHAT_LOG_WARN("gateway", "{}", *line);
  }
  persistence::outage_log outages;
};

namespace {

// Boost 1.74's Beast speaks boost::string_view; our code speaks std::string_view.
std::string_view sv(beast::string_view s) {
  return {s.data(), s.size()};
}
beast::string_view bsv(std::string_view s) {
  return {s.data(), s.size()};
}

// Errors that only mean "the other side went away" or "we cancelled": not worth a log line.
bool benign(const error_code& ec) {
  return ec == net::error::operation_aborted || ec == websocket::error::closed ||
         ec == net::ssl::error::stream_truncated || ec == net::error::eof ||
         ec == http::error::end_of_stream || ec == net::error::connection_reset ||
         ec == net::error::broken_pipe || ec == beast::error::timeout;
}

void fail(const error_code& ec, const char* what) {
  if (!ec || benign(ec)) return;
  CHAT_LOG_WARN("gateway", "{}: {}", what, ec.message());
}

// For the Angular build: its inlined critical CSS (style-src 'unsafe-inline', also needed for
// component styles) and the one onload handler that switches the stylesheet's media
// (`this.media='all'`, allowed by its hash). connect-src 'self' covers ws(s):// to this host.
constexpr const char* content_security_policy =
    "default-src 'self'; script-src 'self' 'unsafe-hashes' "
    "'sha256-MhtPZXr7+LpJUY5qtMutB+qWfQtMaPccfe7QXtCcEYc='; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

// --trust-proxy: a proxy on this host tells us the scheme and the client's address. Only the
// last X-Forwarded-For entry is the one our proxy added; earlier ones are the client's claims.
template <class Body>
void apply_forwarded(const http::request<Body>& req, auth::http_request& r) {
  auto proto = sv(req["X-Forwarded-Proto"]);
  proto = util::trim(proto.substr(0, proto.find(',')));
  if (util::iequals(proto, "https")) r.tls = true;
  std::string_view last;
  for (auto [it, end] = req.equal_range("X-Forwarded-For"); it != end; ++it) {
    auto value = sv(it->value());
    auto comma = value.rfind(',');
    auto item = util::trim(comma == std::string_view::npos ? value : value.substr(comma + 1));
    if (!item.empty()) last = item;
  }
  if (last.empty()) return;
  error_code ec;
  auto addr = net::ip::make_address(std::string(last), ec);
  if (!ec) r.remote_ip = addr.to_string();
}

template <class Body>
auth::http_request to_auth_request(const http::request<Body>& req, const tcp::socket& sock,
                                   const config& cfg, bool tls) {
  auth::http_request r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  if constexpr (std::is_same_v<Body, http::string_body>) r.body = req.body();
  r.cookie = std::string(req[http::field::cookie]);
  r.authorization = std::string(req[http::field::authorization]);
  r.user_agent = std::string(req[http::field::user_agent]);
  r.host = std::string(req[http::field::host]);
  r.content_type = std::string(req[http::field::content_type]);  // auth refuses non-JSON POSTs
  error_code ec;
  auto ep = sock.remote_endpoint(ec);
  if (!ec) r.remote_ip = ep.address().to_string();
  r.tls = tls;
  if (cfg.trust_proxy && !ec && ep.address().is_loopback()) apply_forwarded(req, r);
  return r;
}

// Whether the client reached us over TLS (directly, or through a trusted proxy that says so).
template <class Body>
bool request_is_tls(const http::request<Body>& req, const tcp::socket& sock, const config& cfg,
                    bool tls) {
  if (tls || !cfg.trust_proxy) return tls;
  error_code ec;
  auto ep = sock.remote_endpoint(ec);
  if (ec || !ep.address().is_loopback()) return false;
  auto proto = sv(req["X-Forwarded-Proto"]);
  return util::iequals(util::trim(proto.substr(0, proto.find(','))), "https");
}

std::string serialize_error(protocol::error_code code, std::string message, std::string ref = {}) {
  return protocol::serialize(
      protocol::server_frame{protocol::error_frame{code, std::move(message), std::move(ref)}});
}

// ------------------------------------------------------------------------------------------------
// WebSocket session: one per /ws upgrade, all of its handlers on one strand.
template <class Stream>
class websocket_session : public std::enable_shared_from_this<websocket_session<Stream>> {
 public:
  static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

  websocket_session(Stream&& stream, server::impl& st, std::shared_ptr<void> slot)
      : ws_(std::move(stream)),
        st_(st),
        slot_(std::move(slot)),
        hello_timer_(ws_.get_executor()),
        auth_timer_(ws_.get_executor()),
        guard_timer_(ws_.get_executor()),
        backlog_(st.cfg.backlog) {
    st_.stats.ws_sessions.Increment();
    error_code ec;
    auto ep = beast::get_lowest_layer(ws_).socket().remote_endpoint(ec);
    if (!ec) peer_ = ep.address().to_string() + ":" + std::to_string(ep.port());
  }

  ~websocket_session() {
    if (registry_id_) st_.remove_session(registry_id_);
    // Safety net: the actor side hears about the end exactly once whatever path we took.
    report_closed();
    st_.stats.ws_sessions.Decrement();
  }

  // Authenticates (cookie / Bearer) before accepting; no credentials -> accept and wait for hello.
  void run(http::request<http::string_body> req) {
    req_ = std::move(req);
    // Every write (the 101 answer too) goes through the coalescing layer (see pump()).
    layer().set_owner(this->weak_from_this());
    layer().on_flushed([this](error_code ec) { on_flushed(ec); });
    bool has_cookie = !util::cookie_value(sv(req_[http::field::cookie]), auth::session_cookie)
                           .value_or("")
                           .empty();
    bool has_bearer = !req_[http::field::authorization].empty();
    if (!has_cookie && !has_bearer) {
      do_accept(std::nullopt);
      return;
    }
    auto areq = to_auth_request(req_, beast::get_lowest_layer(ws_).socket(), st_.cfg, is_tls);
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

  // Called from CAF threads through the sink: hop onto our strand. Frames gather in the inbox and
  // one post carries all that arrived before the strand ran (one handoff per batch, not per frame).
  void post_send(std::shared_ptr<const std::string> frame) {
    {
      std::lock_guard<std::mutex> guard{inbox_mu_};
      inbox_.push_back(std::move(frame));
      if (inbox_posted_) return;
      inbox_posted_ = true;
    }
    net::post(ws_.get_executor(), [self = this->shared_from_this()] { self->drain_inbox(); });
  }

  void post_close(std::uint16_t code, std::string reason) {
    net::post(ws_.get_executor(),
              [self = this->shared_from_this(), code, reason = std::move(reason)] {
                self->begin_close(code, reason);
              });
  }

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
  void start_auth_timer(F on_timeout) {
    auth_answered_ = false;
    auth_deadline_ = std::chrono::steady_clock::now() + st_.cfg.auth_wait;
    auth_timer_.expires_at(auth_deadline_);
    auth_timer_.async_wait([self = this->shared_from_this(), on_timeout](error_code ec) {
      if (ec || !self->take_auth_answer()) return;
      self->st_.note_outage("gateway session check", "no answer within the auth wait");
      on_timeout();
    });
  }
  bool take_auth_answer() {
    if (auth_answered_) return false;
    auth_answered_ = true;
    auth_timer_.cancel();
    return true;
  }
  // On the pool: a check that waited in the queue past its deadline is not started at all (its
  // answer went out already), so a backlog drains at once instead of hitting the database.
  template <class F>
  static auth::session_check checked_in_time(std::chrono::steady_clock::time_point deadline,
                                             F check) {
    if (std::chrono::steady_clock::now() >= deadline) {
      auth::session_check late;
      late.result = auth::session_check::outcome::unavailable;
      return late;
    }
    return check();
  }

  // Refuses the upgrade: 401 for an invalid or expired session, 503 when it could not be checked.
  void reject_http(auth::http_error code) {
    const bool unavailable = code == auth::http_error::unavailable;
    if (unavailable)
      st_.stats.ws_rejected_503.Increment();
    else
      st_.stats.ws_rejected_401.Increment();
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(auth::status_of(code)), req_.version());
    res->set(http::field::server, "chatd");
    res->set(http::field::content_type, "application/json");
    res->set(http::field::cache_control, "no-store");
    if (unavailable) res->set(http::field::retry_after, "1");
    res->keep_alive(false);
    res->body() = auth::error_body(
        code, unavailable ? "cannot check the session now; retry" : "invalid or expired session");
    res->prepare_payload();
    beast::get_lowest_layer(ws_).expires_after(st_.cfg.http_timeout);
    // Through the TLS layer when there is one: ws_.next_layer() is the connection's stream.
    http::async_write(ws_.next_layer().next_layer(), *res,
                      [self = this->shared_from_this(), res](error_code ec, std::size_t) {
                        auto& s = beast::get_lowest_layer(self->ws_);
                        s.socket().shutdown(tcp::socket::shutdown_send, ec);
                      });
  }

  void do_accept(std::optional<auth::identity> who) {
    auto& stream = beast::get_lowest_layer(ws_);
    stream.expires_never();  // the websocket stream runs its own timeouts from here on
    auto t = websocket::stream_base::timeout::suggested(beast::role_type::server);
    t.idle_timeout = st_.cfg.ws_idle_timeout;
    t.keep_alive_pings = true;
    ws_.set_option(t);
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::response_type& res) { res.set(http::field::server, "chatd"); }));
    // Our own check in on_read enforces max_frame_bytes (so an error frame can go out first);
    // this is the backstop should a message slip past it.
    ws_.read_message_max(2 * protocol::limits::max_frame_bytes);
    ws_.async_accept(req_, [self = this->shared_from_this(), who = std::move(who)](
                               error_code ec) mutable { self->on_accept(ec, std::move(who)); });
  }

  void on_accept(error_code ec, std::optional<auth::identity> who) {
    if (ec) return fail(ec, "ws accept");
    st_.stats.ws_upgrades.Increment();
    registry_id_ = st_.add_session([weak = this->weak_from_this()] {
      if (auto s = weak.lock()) s->post_close(1001, "server shutting down");
    });
    req_ = {};
    if (who) {
      connect_actor(*who);
    } else {
      // Non-browser clients: the first frame must be a hello carrying a token, within the limit.
      hello_timer_.expires_after(st_.cfg.hello_timeout);
      hello_timer_.async_wait([self = this->shared_from_this()](error_code ec) {
        if (ec || self->conn_ || self->closing_) return;
        self->reject_4001("", "no hello with a token within the time limit");
      });
    }
    do_read();
  }

  void connect_actor(const auth::identity& who) {
    conn_ =
        st_.actors.connect(who.user, who.username, std::make_shared<sink>(this->weak_from_this()));
  }

  void do_read() {
    if (closing_ || finished_) return;
    if (backlog_.should_throttle()) {
      // Backpressure: this client's own requests wait in the kernel until it has read enough.
      if (!read_paused_) st_.stats.ws_throttled.Increment();
      read_paused_ = true;
      return;
    }
    // Read in pieces so an oversized message is noticed before it is buffered whole.
    ws_.async_read_some(
        buffer_, 16 * 1024,
        [self = this->shared_from_this()](error_code ec, std::size_t n) { self->on_read(ec, n); });
  }

  void on_read(error_code ec, std::size_t) {
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

  // Unauthenticated so far: the frame must be a hello with a token.
  void on_hello_frame(std::string text) {
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
    hello_timer_.cancel();
    start_auth_timer([self = this->shared_from_this(), ref] { self->reject_1013(ref); });
    net::post(*st_.pool, [self = this->shared_from_this(), token = std::move(token),
                          text = std::move(text), ref = std::move(ref),
                          deadline = auth_deadline_]() mutable {
      auto who =
          checked_in_time(deadline, [&] { return self->st_.auth.authenticate_token(token); });
      net::post(self->ws_.get_executor(), [self, who = std::move(who), text = std::move(text),
                                           ref = std::move(ref)]() mutable {
        if (!self->take_auth_answer()) return;  // the timer answered already
        if (self->closing_ || self->finished_) return;
        if (who.unavailable()) return self->reject_1013(ref);
        if (!who) return self->reject_4001(ref, "invalid or expired token");
        self->hello_timer_.cancel();
        self->connect_actor(who.who);
        self->conn_->on_frame(std::move(text));  // the connection answers the hello (welcome)
        self->do_read();
      });
    });
  }

  // Cannot check the token now: the client keeps it and reconnects (1013 try again later).
  void reject_1013(const std::string& ref) {
    st_.stats.ws_closed_1013.Increment();
    enqueue_own(serialize_error(protocol::error_code::unavailable,
                                "cannot check the token now; retry", ref));
    begin_close(1013, "try again later");
  }

  void reject_4001(const std::string& ref, std::string message) {
    st_.stats.ws_closed_4001.Increment();
    enqueue_own(serialize_error(protocol::error_code::not_authenticated, std::move(message), ref));
    begin_close(4001, "not authenticated");
  }

  void enqueue_own(std::string frame) {
    enqueue(std::make_shared<const std::string>(std::move(frame)));
  }

  void drain_inbox() {
    {
      std::lock_guard<std::mutex> guard{inbox_mu_};
      draining_.swap(inbox_);
      inbox_posted_ = false;
    }
    for (auto& f : draining_) enqueue(std::move(f));
    draining_.clear();
    // A burst keeps no large buffer around on an idle connection.
    if (draining_.capacity() > 256)
      std::vector<std::shared_ptr<const std::string>>().swap(draining_);
  }

  void enqueue(std::shared_ptr<const std::string> frame) {
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

  auto& layer() { return ws_.next_layer(); }

  // Hands queued frames to the coalescing layer (each write completes at once, buffered), up to
  // batch_bytes, then releases them to the socket in one write. One batch in flight at a time.
  void pump() {
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

  void write_front() {
    // The handler holds the frame too: finish() may clear the queue while this write runs.
    auto frame = queue_.front();
    ws_.async_write(net::buffer(*frame), [self = this->shared_from_this(), frame](
                                             error_code ec, std::size_t) { self->on_write(ec); });
  }

  void on_write(error_code ec) {
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

  // The socket accepted everything handed to it (or failed).
  void on_flushed(error_code ec) {
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

  // Checked while frames wait behind a running write; idle sockets arm no timer.
  void arm_stall_check() {
    if (stall_armed_ || closing_ || finished_) return;
    stall_armed_ = true;
    auto period = std::max<std::chrono::milliseconds>(std::chrono::milliseconds(50),
                                                      st_.cfg.backlog.stall_timeout / 4);
    guard_timer_.expires_after(period);
    guard_timer_.async_wait([self = this->shared_from_this()](error_code ec) {
      if (ec || self->closing_ || self->finished_) return;
      self->stall_armed_ = false;
      if (self->backlog_.stalled(std::chrono::steady_clock::now())) return self->slow_consumer();
      if (self->backlog_.bytes() > 0) self->arm_stall_check();
    });
  }

  // The client does not read (or not nearly enough): drop what it has not been handed yet and
  // close 4008; begin_close bounds how long the close frame may take.
  void slow_consumer() {
    st_.stats.ws_closed_4008.Increment();
    auto keep = pumping_ ? 1 : 0;  // the frame inside a running write stays
    while (queue_.size() > static_cast<std::size_t>(keep)) {
      backlog_.dropped(queue_.back()->size());
      queue_.pop_back();
    }
    recount();
    begin_close(4008, "slow consumer");
  }

  // Flush what is queued, then the close frame; a peer that does not take them within
  // close_grace loses its socket (reset, so its kernel buffers are freed at once).
  void begin_close(std::uint16_t code, std::string_view reason) {
    if (closing_ || finished_) return;
    closing_ = true;
    hello_timer_.cancel();
    close_reason_ = websocket::close_reason(static_cast<websocket::close_code>(code), bsv(reason));
    stall_armed_ = false;
    guard_timer_.expires_after(st_.cfg.backlog.close_grace);
    guard_timer_.async_wait([self = this->shared_from_this()](error_code ec) {
      if (ec || self->finished_) return;
      auto& sock = beast::get_lowest_layer(self->ws_).socket();
      error_code ignored;
      sock.set_option(net::socket_base::linger(true, 0), ignored);
      sock.close(ignored);
      self->finish();
    });
    pump();
  }

  void do_close() {
    close_started_ = true;
    ws_.async_close(*close_reason_, [self = this->shared_from_this()](error_code ec) {
      fail(ec, "ws close");
      self->finish();
    });
  }

  void finish() {
    if (finished_) return;
    finished_ = true;
    hello_timer_.cancel();
    guard_timer_.cancel();
    queue_.clear();
    recount();
    report_closed();
  }

  void report_closed() {
    if (conn_) {
      auto c = std::move(conn_);
      conn_.reset();
      c->on_closed();
    }
  }

  /// For chatctl inspect connection (read by the sink from CAF threads).
  void count_queued(std::int64_t frames, std::int64_t bytes) {
    queued_frames_.fetch_add(frames, std::memory_order_relaxed);
    queued_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  }
  void recount() {
    std::int64_t bytes = 0;
    for (auto& f : queue_) bytes += static_cast<std::int64_t>(f->size());
    queued_frames_.store(static_cast<std::int64_t>(queue_.size()), std::memory_order_relaxed);
    queued_bytes_.store(bytes, std::memory_order_relaxed);
  }

  websocket::stream<coalescing_stream<Stream>> ws_;
  std::string peer_;
  std::atomic<std::int64_t> queued_frames_{0}, queued_bytes_{0};
  server::impl& st_;
  std::shared_ptr<void> slot_;  // this socket's place in the per-address count
  net::steady_timer hello_timer_;
  net::steady_timer auth_timer_;
  std::chrono::steady_clock::time_point auth_deadline_{};
  bool auth_answered_ = true;
  net::steady_timer guard_timer_;  ///< stall checks while congested, then the close grace
  backlog backlog_;
  std::atomic<bool> congested_{false};  ///< read by the actor side (sync replay waits)
  http::request<http::string_body> req_;
  beast::flat_buffer buffer_;
  std::deque<std::shared_ptr<const std::string>> queue_;
  std::mutex inbox_mu_;  ///< guards the two below (CAF threads add, the strand drains)
  std::vector<std::shared_ptr<const std::string>> inbox_;
  bool inbox_posted_ = false;
  std::vector<std::shared_ptr<const std::string>> draining_;  ///< the strand's side of the inbox
  std::shared_ptr<actors::connection> conn_;
  std::unique_ptr<protocol::parser> parser_;  // only while waiting for hello
  std::uint64_t registry_id_ = 0;
  std::optional<websocket::close_reason> close_reason_;
  std::size_t batch_bytes_ = 0;  ///< frame bytes in the batch being handed to the layer
  std::size_t in_flight_ = 0;    ///< frame bytes in the socket write now running
  bool pumping_ = false;
  bool read_paused_ = false;
  bool stall_armed_ = false;
  bool closing_ = false;
  bool close_started_ = false;
  bool finished_ = false;
};

// ------------------------------------------------------------------------------------------------
// HTTP session: reads one request at a time, answers it, hands upgrades to websocket_session.
template <class Stream>
class http_session : public std::enable_shared_from_this<http_session<Stream>> {
 public:
  static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

  /// `slot`: this connection's place in the per-address count; `metrics_only`: the
  /// --metrics-listen port, which serves /metrics and /healthz and nothing else.
  http_session(Stream&& stream, server::impl& st, std::shared_ptr<void> slot, bool metrics_only)
      : stream_(std::move(stream)), st_(st), slot_(std::move(slot)), metrics_only_(metrics_only) {}

  void run() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] {
      if constexpr (is_tls) {
        self->do_handshake();
      } else {
        self->do_read();
      }
    });
  }

 private:
  auto& lowest() { return beast::get_lowest_layer(stream_); }

  // TLS only: a handshake that stalls (or never starts) costs at most tls_handshake_timeout.
  void do_handshake() {
    lowest().expires_after(st_.cfg.tls_handshake_timeout);
    stream_.async_handshake(net::ssl::stream_base::server,
                            [self = this->shared_from_this()](error_code ec) {
                              if (ec) return fail(ec, "tls handshake");
                              self->do_read();
                            });
  }

  void do_read() {
    parser_.emplace();
    parser_->body_limit(st_.cfg.max_http_body);
    parser_->header_limit(static_cast<std::uint32_t>(st_.cfg.max_http_header));
    lowest().expires_after(st_.cfg.http_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_read(ec); });
  }

  void on_read(error_code ec) {
    if (ec == http::error::end_of_stream) return do_eof();
    if (ec == http::error::body_limit)
      return send_error(auth::http_error::body_too_large, 11, "request body too large", false);
    if (ec == http::error::header_limit)
      return send_error(auth::http_error::headers_too_large, 11, "request headers too large",
                        false);
    if (ec && ec.category() == http::make_error_code(http::error::bad_version).category() &&
        ec != http::error::partial_message) {
      // Malformed (two lengths, Content-Length with Transfer-Encoding, HTTP/2.0 ...): say so.
      return send_error(auth::http_error::bad_request, 11,
                        fmt::format("malformed HTTP request: {}", ec.message()), false);
    }
    if (ec) return fail(ec, "http read");
    st_.stats.http_requests.Increment();
    auto req = parser_->release();
    auto path = util::target_path(sv(req.target()));
    if (metrics_only_) return handle_metrics_port(req);
    if (websocket::is_upgrade(req)) {
      if (path != "/ws")
        return send_error(auth::http_error::not_found, req.version(), "no WebSocket endpoint here",
                          false);
      if (!st_.accepting)
        return send_error(auth::http_error::unavailable, req.version(), "server shutting down",
                          false);
      // A browser attaches the session cookie to upgrades from any page: only our own origin
      // (and the configured ones) may open a socket.
      if (!st_.origins.allows(sv(req[http::field::origin]), sv(req[http::field::host]),
                              request_is_tls(req, lowest().socket(), st_.cfg, is_tls))) {
        st_.stats.ws_rejected_origin.Increment();
        return send_error(auth::http_error::forbidden_origin, req.version(),
                          "this Origin may not open a WebSocket here", false);
      }
      std::make_shared<websocket_session<Stream>>(std::move(stream_), st_, std::move(slot_))
          ->run(std::move(req));
      return;
    }
    handle(std::move(req));
  }

  void handle_metrics_port(const http::request<http::string_body>& req) {
    auto path = util::target_path(sv(req.target()));
    bool get = req.method() == http::verb::get, head = req.method() == http::verb::head;
    if (path == "/healthz" && (get || head))
      return send_text(req, http::status::ok, "text/plain; charset=utf-8", "ok\n", "no-store");
    if (path == "/metrics" && (get || head)) {
      return send_text(req, http::status::ok, "text/plain; version=0.0.4; charset=utf-8",
                       st_.stats.render(), "no-store");
    }
    send_error(auth::http_error::not_found, req.version(), "only /metrics and /healthz",
               req.keep_alive());
  }

  void handle(http::request<http::string_body>&& req) {
    auto target = std::string(req.target());
    auto path = util::target_path(target);
    bool get = req.method() == http::verb::get, head = req.method() == http::verb::head;
    if (path == "/healthz" && (get || head)) {
      return send_text(req, http::status::ok, "text/plain; charset=utf-8", "ok\n", "no-store");
    }
    if (path == "/metrics")  // only on --metrics-listen; never the web client's fallback page
      return send_error(auth::http_error::not_found, req.version(),
                        "metrics are served on the --metrics-listen port only", req.keep_alive());
    if (path == "/ws")
      return send_error(auth::http_error::upgrade_required, req.version(),
                        "GET /ws with a WebSocket upgrade", req.keep_alive());
    if (st_.auth.handles(target)) return handle_auth(std::move(req));
    if (path.rfind("/api/", 0) == 0 || path == "/api" || path.rfind("/auth/", 0) == 0)
      return send_error(auth::http_error::not_found, req.version(), "no such endpoint",
                        req.keep_alive());
    if (!st_.cfg.web_root.empty() && (get || head)) return handle_static(req);
    if (!get && !head)
      return send_error(auth::http_error::method_not_allowed, req.version(), "method not allowed",
                        req.keep_alive());
    send_error(auth::http_error::not_found, req.version(), "not found", req.keep_alive());
  }

  void handle_auth(http::request<http::string_body>&& req) {
    auto areq = to_auth_request(req, lowest().socket(), st_.cfg, is_tls);
    unsigned version = req.version();
    bool keep_alive = req.keep_alive();
    // These calls block on the database: run them on the pool, write the answer on our strand.
    // Password hashing (login, register) moves on to auth's own hashing threads, so it never
    // holds a pool thread that session checks need.
    net::post(*st_.pool,
              [self = this->shared_from_this(), areq = std::move(areq), version, keep_alive] {
                auto writer = [self, version, keep_alive](auth::http_response res) {
                  self->write_auth_response(std::move(res), version, keep_alive);
                };
                auto waiting = self->st_.waiting_auth;
                auto id = waiting->hold(std::move(writer));
                self->st_.auth.handle_async(areq, [waiting, id](auth::http_response res) {
                  waiting->answer(id, std::move(res));
                });
              });
  }

  // From a pool or hashing thread: write the answer on our strand.
  void write_auth_response(auth::http_response res, unsigned version, bool keep_alive) {
    auto self = this->shared_from_this();
    net::post(stream_.get_executor(), [self, res = std::move(res), version, keep_alive] {
      http::response<http::string_body> out{static_cast<http::status>(res.status), version};
      out.set(http::field::server, "chatd");
      out.set(http::field::content_type, res.content_type);
      out.set(http::field::cache_control, "no-store");
      for (const auto& [name, value] : res.headers) out.insert(name, value);
      out.keep_alive(keep_alive);
      out.body() = res.body;
      out.prepare_payload();
      self->send(std::move(out));
    });
  }

  void handle_static(const http::request<http::string_body>& req) {
    auto found =
        resolve_static(st_.cfg.web_root, sv(req.target()), sv(req[http::field::accept_encoding]));
    using outcome = static_lookup::outcome;
    if (found.result == outcome::forbidden)
      return send_error(auth::http_error::bad_path, req.version(), "bad path", req.keep_alive());
    if (found.result == outcome::not_found)
      return send_error(auth::http_error::not_found, req.version(), "not found", req.keep_alive());
    error_code ec;
    http::file_body::value_type body;
    body.open(found.path.c_str(), beast::file_mode::scan, ec);
    if (ec)
      return send_error(auth::http_error::not_found, req.version(), "not found", req.keep_alive());
    auto size = body.size();
    auto decorate = [&](auto& res) {
      res.set(http::field::server, "chatd");
      res.set(http::field::content_type, found.content_type);
      res.set(http::field::cache_control, found.cache_control);
      res.set("X-Content-Type-Options", "nosniff");
      res.set("Referrer-Policy", "same-origin");
      if (found.content_type.starts_with("text/html")) {
        // The page may run only our own scripts, talk only to us, and never be framed.
        res.set("Content-Security-Policy", content_security_policy);
        res.set("X-Frame-Options", "DENY");
      }
      if (!found.content_encoding.empty())
        res.set(http::field::content_encoding, found.content_encoding);
      if (found.vary_accept_encoding) res.set(http::field::vary, "Accept-Encoding");
      res.content_length(size);
      res.keep_alive(req.keep_alive());
    };
    if (req.method() == http::verb::head) {
      http::response<http::empty_body> res{http::status::ok, req.version()};
      decorate(res);
      return send(std::move(res));
    }
    http::response<http::file_body> res{std::piecewise_construct, std::make_tuple(std::move(body)),
                                        std::make_tuple(http::status::ok, req.version())};
    decorate(res);
    send(std::move(res));
  }

  void send_text(const http::request<http::string_body>& req, http::status status,
                 std::string_view type, std::string body, std::string_view cache) {
    http::response<http::string_body> res{status, req.version()};
    res.set(http::field::server, "chatd");
    res.set(http::field::content_type, bsv(type));
    res.set(http::field::cache_control, bsv(cache));
    res.keep_alive(req.keep_alive());
    bool head = req.method() == http::verb::head;
    res.body() = std::move(body);
    res.prepare_payload();
    if (head) res.body().clear();
    send(std::move(res));
  }

  /// An error from the one table (auth/http_error.hpp): its status, the {"error","message"} body.
  void send_error(auth::http_error code, unsigned version, std::string_view message,
                  bool keep_alive) {
    http::response<http::string_body> res{static_cast<http::status>(auth::status_of(code)),
                                          version};
    res.set(http::field::server, "chatd");
    res.set(http::field::content_type, "application/json");
    res.set(http::field::cache_control, "no-store");
    res.keep_alive(keep_alive);
    res.body() = auth::error_body(code, message);
    res.prepare_payload();
    send(std::move(res));
  }

  template <class Body>
  void send(http::response<Body>&& msg) {
    auto sp = std::make_shared<http::response<Body>>(std::move(msg));
    bool close = sp->need_eof();
    if constexpr (std::is_same_v<Body, http::string_body>) {
      // HEAD answers keep Content-Length but carry no body.
      if (sp->body().empty() && sp->has_content_length()) {
        http::response<http::empty_body> head{sp->result(), sp->version()};
        for (const auto& f : *sp) head.insert(f.name_string(), f.value());
        return write(std::make_shared<http::response<http::empty_body>>(std::move(head)), close);
      }
    }
    write(std::move(sp), close);
  }

  template <class Msg>
  void write(std::shared_ptr<Msg> sp, bool close) {
    lowest().expires_after(st_.cfg.http_timeout);
    http::async_write(stream_, *sp,
                      [self = this->shared_from_this(), sp, close](error_code ec, std::size_t) {
                        if (ec) return fail(ec, "http write");
                        if (close) return self->do_eof();
                        self->do_read();
                      });
  }

  void do_eof() {
    if constexpr (is_tls) {
      lowest().expires_after(st_.cfg.tls_handshake_timeout);
      stream_.async_shutdown([self = this->shared_from_this()](error_code ec) {
        fail(ec, "tls shutdown");
        self->lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
      });
    } else {
      error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_send, ec);
    }
  }

  Stream stream_;
  server::impl& st_;
  std::shared_ptr<void> slot_;
  bool metrics_only_ = false;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
};

}  // namespace

namespace {

// Holds one connection's place in the per-address count while either session owns the socket.
std::shared_ptr<void> ip_slot(server::impl& st, std::string ip) {
  return std::shared_ptr<void>(nullptr, [&st, ip = std::move(ip)](void*) { st.release(ip); });
}

// Out of descriptors or memory: retrying at once fails again and spins (and floods the log).
bool resource_exhausted(const error_code& ec) {
  return ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
         ec == net::error::no_memory || ec.value() == ENFILE;
}

}  // namespace

void server::impl::on_accept_error(const error_code& ec) {
  if (auto line = accept_errors.record("accept", ec.message()))
    CHAT_LOG_WARN("gateway", "{} (new connections wait; the listen backlog holds them)", *line);
  stats.accept_errors.Increment();
  if (!resource_exhausted(ec)) return do_accept();
  // 10 ms doubling to 1 s while the condition lasts; a success resets it.
  accept_backoff = std::min<std::chrono::milliseconds>(
      std::chrono::seconds(1),
      accept_backoff.count() == 0 ? std::chrono::milliseconds(10) : accept_backoff * 2);
  accept_pause->expires_after(accept_backoff);
  accept_pause->async_wait([this](error_code wait_ec) {
    if (!wait_ec && accepting) do_accept();
  });
}

void server::impl::do_accept() {
  acceptor->async_accept(net::make_strand(*ioc), [this](error_code ec, tcp::socket socket) {
    if (ec) {
      if (!accepting || ec == net::error::operation_aborted) return;
      return on_accept_error(ec);
    }
    accept_backoff = std::chrono::milliseconds(0);
    error_code ignored;
    auto peer = socket.remote_endpoint(ignored);
    std::string ip = ignored ? std::string() : peer.address().to_string();
    // Behind --trust-proxy every client arrives from the proxy's loopback address.
    bool exempt = cfg.trust_proxy && !ignored && peer.address().is_loopback();
    if (!exempt && !admit(ip)) {
      stats.refused_per_ip.Increment();
      socket.close(ignored);  // over the per-address cap: refused before any work is done
    } else {
      auto slot = exempt ? std::shared_ptr<void>() : ip_slot(*this, ip);
      // Small frames both ways: Nagle plus delayed ACKs would add ~40 ms to request/reply pairs.
      socket.set_option(tcp::no_delay(true), ignored);
      if (tls) {
        using tls_stream = beast::ssl_stream<beast::tcp_stream>;
        std::make_shared<http_session<tls_stream>>(tls_stream(std::move(socket), *tls), *this,
                                                   std::move(slot), false)
            ->run();
      } else {
        std::make_shared<http_session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)),
                                                          *this, std::move(slot), false)
            ->run();
      }
    }
    if (accepting) do_accept();
  });
}

void server::impl::do_accept_metrics() {
  metrics_acceptor->async_accept(net::make_strand(*ioc), [this](error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !accepting) return;
    if (!ec)
      std::make_shared<http_session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), *this,
                                                        std::shared_ptr<void>(), true)
          ->run();
    if (ec && resource_exhausted(ec)) {
      // Rare and cheap: the public acceptor's backoff and log cover the condition.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    do_accept_metrics();
  });
}

void server::impl::shutdown_threads() {
  if (stopped) return;
  stopped = true;
  accepting = false;
  waiting_auth->close();  // sign-ins still hashing are dropped (their sockets close)
  work.reset();
  ioc->stop();
  for (auto& t : threads)
    if (t.joinable()) t.join();
  threads.clear();
  pool->join();
  error_code ec;
  if (acceptor) acceptor->close(ec);
  if (metrics_acceptor) metrics_acceptor->close(ec);
  if (signals) signals->cancel(ec);
}

server::server(config cfg, actors::server& actors, auth::service& auth)
    : impl_(std::make_unique<impl>(std::move(cfg), actors, auth)) {}

server::~server() {
  impl_->shutdown_threads();
  // Destroy queued handlers (and the sessions they own) while the rest of impl is still alive.
  impl_->acceptor.reset();
  impl_->metrics_acceptor.reset();
  impl_->accept_pause.reset();
  impl_->signals.reset();
  impl_->ioc.reset();
  impl_->pool.reset();
}

persistence::status server::start() {
  auto& st = *impl_;
  error_code ec;
  auto addr = net::ip::make_address(st.cfg.address, ec);
  if (ec)
    return persistence::error{persistence::errc::bad_config,
                              fmt::format("bad listen address '{}'", st.cfg.address)};
  if (st.cfg.tls_cert_file.empty() != st.cfg.tls_key_file.empty())
    return persistence::error{persistence::errc::bad_config,
                              "TLS needs both a certificate and a key (--tls-cert and --tls-key)"};
  if (!st.cfg.tls_cert_file.empty()) {
    // OpenSSL's own messages for a missing file are vague ("asio.ssl error"): say which and why.
    for (const auto* file : {&st.cfg.tls_cert_file, &st.cfg.tls_key_file}) {
      if (std::FILE* f = std::fopen(file->c_str(), "rb")) {
        std::fclose(f);
      } else {
        return persistence::error{persistence::errc::bad_config,
                                  fmt::format("cannot load the TLS {} '{}': {}",
                                              file == &st.cfg.tls_cert_file ? "certificate" : "key",
                                              *file, std::strerror(errno))};
      }
    }
    auto ctx = std::make_unique<net::ssl::context>(net::ssl::context::tls_server);
    ctx->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                     net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 |
                     net::ssl::context::no_tlsv1_1 | net::ssl::context::no_compression |
                     net::ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    ctx->use_certificate_chain_file(st.cfg.tls_cert_file, ec);
    if (ec)
      return persistence::error{persistence::errc::bad_config,
                                fmt::format("cannot load the TLS certificate '{}': {}",
                                            st.cfg.tls_cert_file, ec.message())};
    ctx->use_private_key_file(st.cfg.tls_key_file, net::ssl::context::pem, ec);
    if (ec)
      return persistence::error{
          persistence::errc::bad_config,
          fmt::format("cannot load the TLS key '{}': {}", st.cfg.tls_key_file, ec.message())};
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
      return persistence::error{persistence::errc::bad_config,
                                fmt::format("the TLS key '{}' does not match the certificate '{}'",
                                            st.cfg.tls_key_file, st.cfg.tls_cert_file)};
    st.tls = std::move(ctx);
  }
  tcp::endpoint ep{addr, st.cfg.port};
  auto acc = std::make_unique<tcp::acceptor>(*st.ioc);
  acc->open(ep.protocol(), ec);
  if (!ec) acc->set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return persistence::error{
        persistence::errc::unavailable,
        fmt::format("cannot listen on {}:{}: {}", st.cfg.address, st.cfg.port, ec.message())};
  st.bound_port = acc->local_endpoint().port();
  st.acceptor = std::move(acc);
  st.accept_pause = std::make_unique<net::steady_timer>(*st.ioc);
  if (!st.cfg.metrics_address.empty()) {
    auto maddr = net::ip::make_address(st.cfg.metrics_address, ec);
    if (ec || !maddr.is_loopback())
      return persistence::error{
          persistence::errc::bad_config,
          fmt::format("--metrics-listen must be a loopback address (127.0.0.1, ::1), not '{}'",
                      st.cfg.metrics_address)};
    tcp::endpoint mep{maddr, st.cfg.metrics_port};
    auto macc = std::make_unique<tcp::acceptor>(*st.ioc);
    macc->open(mep.protocol(), ec);
    if (!ec) macc->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) macc->bind(mep, ec);
    if (!ec) macc->listen(64, ec);
    if (ec)
      return persistence::error{
          persistence::errc::unavailable,
          fmt::format("cannot listen for metrics on {}:{}: {}", st.cfg.metrics_address,
                      st.cfg.metrics_port, ec.message())};
    st.bound_metrics_port = macc->local_endpoint().port();
    st.metrics_acceptor = std::move(macc);
  }
  // Signals are caught from now on, so a SIGTERM during start-up is not the default (fatal) one.
  st.signals = std::make_unique<net::signal_set>(*st.ioc, SIGINT, SIGTERM);
  st.signals->async_wait([&st](error_code ec, int sig) {
    if (!ec) st.signal_promise.set_value(sig);
  });
  st.work.emplace(st.ioc->get_executor());
  st.accepting = true;
  st.do_accept();
  if (st.metrics_acceptor) st.do_accept_metrics();
  for (int i = 0; i < std::max(1, st.cfg.io_threads); ++i)
    st.threads.emplace_back([&st] { st.ioc->run(); });
  return persistence::success();
}

std::uint16_t server::port() const {
  return impl_->bound_port;
}

std::uint16_t server::metrics_port() const {
  return impl_->bound_metrics_port;
}

int server::wait_for_signal() {
  return impl_->signal_future.get();
}

void server::stop_accepting() {
  auto& st = *impl_;
  if (!st.accepting.exchange(false)) return;
  std::promise<void> done;
  net::post(*st.ioc, [&st, &done] {
    error_code ec;
    if (st.acceptor) st.acceptor->close(ec);
    done.set_value();
  });
  done.get_future().wait();
}

void server::stop(std::chrono::milliseconds grace) {
  auto deadline = std::chrono::steady_clock::now() + grace;
  // Sessions still waiting for hello have no actor to close them.
  impl_->close_all_sessions();
  // Sessions close themselves once the actor system has sent them 1001; wait for that.
  while (impl_->stats.ws_sessions.Value() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  impl_->shutdown_threads();
}

}  // namespace chat::gateway
