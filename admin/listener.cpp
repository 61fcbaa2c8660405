#include "admin/listener.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>
#include <boost/asio.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <list>
#include <mutex>
#include <thread>

#include "admin/token.hpp"

namespace chat::admin {

namespace {

namespace asio = boost::asio;
using boost::system::error_code;
using local = asio::local::stream_protocol;
using tcp = asio::ip::tcp;
using persistence::errc;
using persistence::error;

/// Unsent bytes a handler may queue before emit() waits for the client to read.
constexpr std::size_t max_unsent_bytes = 4 << 20;
/// A client that reads nothing for this long is dropped.
constexpr auto stalled_reader_timeout = std::chrono::seconds(30);

class session_base : public reply_sink {
 public:
  virtual void close() = 0;
};

/// What a session needs from the listener. The counters are declared first so they outlive the
/// io_context, whose destructor may release the last sessions.
struct shared {
  handler h;
  std::string token;
  std::size_t max_connections = 0;
  std::atomic<std::size_t> connections{0};
  std::mutex mu;
  std::list<std::weak_ptr<session_base>> sessions;  ///< closed by stop()
  asio::io_context io;
  asio::thread_pool pool;
  explicit shared(int threads) : pool(static_cast<std::size_t>(threads)) {}
};

/// One admin connection: reads request lines on the I/O thread, runs each on the handler pool
/// (one at a time per connection), writes the answer lines back in order.
template <class Socket>
class session final : public session_base, public std::enable_shared_from_this<session<Socket>> {
 public:
  session(shared& s, Socket sock, bool needs_token)
      : s_(s), sock_(std::move(sock)), buf_(max_request_bytes + 1), needs_token_(needs_token) {}
  ~session() override { s_.connections.fetch_sub(1); }

  void start() { do_read(); }

  bool emit(std::string line) override {
    std::unique_lock lock{mu_};
    if (closed_) return false;
    line.push_back('\n');
    unsent_ += line.size();
    out_.push_back(std::move(line));
    if (!writing_) {
      writing_ = true;
      asio::post(sock_.get_executor(), [self = this->shared_from_this()] { self->do_write(); });
    }
    if (!cv_.wait_for(lock, stalled_reader_timeout,
                      [&] { return closed_ || unsent_ <= max_unsent_bytes; })) {
      lock.unlock();
      close();
      return false;
    }
    return !closed_;
  }

  void close() override {
    {
      std::lock_guard lock{mu_};
      if (closed_) return;
      closed_ = true;
    }
    cv_.notify_all();
    asio::post(sock_.get_executor(), [self = this->shared_from_this()] {
      error_code ignored;
      self->sock_.close(ignored);
    });
  }

 private:
  void do_read() {
    asio::async_read_until(
        sock_, buf_, '\n',
        [self = this->shared_from_this()](error_code ec, std::size_t n) { self->on_read(ec, n); });
  }

  void on_read(error_code ec, std::size_t n) {
    if (ec) {
      // EOF, a reset, or a line over max_request_bytes (not_found from read_until).
      if (ec == asio::error::not_found) {
        emit(error_line(codes::bad_request, "request too large"));
        return close_when_flushed();
      }
      close();
      return;
    }
    std::string line(asio::buffers_begin(buf_.data()), asio::buffers_begin(buf_.data()) + n - 1);
    buf_.consume(n);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto parsed = parse_request(line);
    if (!parsed.req) {
      if (emit(parsed.error)) do_read();
      return;
    }
    if (needs_token_ && !token_equal(parsed.req->token, s_.token)) {
      // No second guess on the same connection; the token itself is never logged.
      emit(error_line(codes::unauthorized, "wrong or missing admin token"));
      return close_when_flushed();
    }
    asio::post(s_.pool, [self = this->shared_from_this(), req = std::move(*parsed.req)] {
      self->s_.h(req, *self);
      asio::post(self->sock_.get_executor(), [self] {
        if (!self->is_closed()) self->do_read();
      });
    });
  }

  /// Sends what is queued, then closes (after a refusal: the client reads why).
  void close_when_flushed() {
    {
      std::lock_guard lock{mu_};
      if (writing_ || !out_.empty()) {
        close_after_write_ = true;
        return;
      }
    }
    close();
  }

  void do_write() {
    std::string* front = nullptr;
    {
      std::unique_lock lock{mu_};
      if (closed_ || out_.empty()) {
        writing_ = false;
        if (close_after_write_ && !closed_) {
          lock.unlock();
          close();
        }
        return;
      }
      front = &out_.front();  // stable: deque push_back keeps references to elements
    }
    asio::async_write(
        sock_, asio::buffer(*front),
        [self = this->shared_from_this()](error_code ec, std::size_t n) { self->on_write(ec, n); });
  }

  void on_write(error_code ec, std::size_t n) {
    if (ec) {
      close();
      return;
    }
    {
      std::lock_guard lock{mu_};
      out_.pop_front();
      unsent_ -= n;
    }
    cv_.notify_all();
    do_write();
  }

  bool is_closed() {
    std::lock_guard lock{mu_};
    return closed_;
  }

  shared& s_;
  Socket sock_;
  asio::streambuf buf_;
  bool needs_token_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> out_;
  std::size_t unsent_ = 0;
  bool writing_ = false;
  bool closed_ = false;
  bool close_after_write_ = false;
};

template <class Acceptor>
void accept_loop(shared& s, Acceptor& acc, bool needs_token) {
  acc.async_accept(
      [&s, &acc, needs_token](error_code ec, typename Acceptor::protocol_type::socket sock) {
        if (ec == asio::error::operation_aborted) return;
        if (!ec) {
          if (s.connections.fetch_add(1) >= s.max_connections) {
            s.connections.fetch_sub(1);
            error_code ignored;
            sock.close(ignored);
          } else {
            auto sess = std::make_shared<session<typename Acceptor::protocol_type::socket>>(
                s, std::move(sock), needs_token);
            {
              std::lock_guard lock{s.mu};
              s.sessions.remove_if([](auto& w) { return w.expired(); });
              s.sessions.push_back(sess);
            }
            sess->start();
          }
        }
        accept_loop(s, acc, needs_token);
      });
}

/// A socket file left by a chatd that died is removed; one that answers belongs to a running
/// chatd, and anything else at the path is not ours to delete.
persistence::status clear_socket_path(asio::io_context& io, const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) return persistence::success();
  if (!S_ISSOCK(st.st_mode))
    return error{errc::bad_config,
                 fmt::format("admin socket path {} exists and is not a socket", path)};
  local::socket probe(io);
  error_code ec;
  probe.connect(local::endpoint(path), ec);
  if (!ec)
    return error{errc::bad_config,
                 fmt::format("admin socket {} is in use: is another chatd running?", path)};
  ::unlink(path.c_str());
  return persistence::success();
}

class listener_impl final : public listener {
 public:
  listener_impl(listener_config cfg, handler h)
      : cfg_(std::move(cfg)), s_(cfg_.handler_threads), unix_acc_(s_.io), tcp_acc_(s_.io) {
    s_.h = std::move(h);
    s_.token = cfg_.token;
    s_.max_connections = cfg_.max_connections;
  }
  ~listener_impl() override { stop(); }

  persistence::status open() {
    error_code ec;
    if (!cfg_.socket_path.empty()) {
      if (cfg_.socket_path.size() >= sizeof(sockaddr_un::sun_path))
        return error{errc::bad_config,
                     fmt::format("admin socket path {} is longer than {} bytes", cfg_.socket_path,
                                 sizeof(sockaddr_un::sun_path) - 1)};
      if (auto st = clear_socket_path(s_.io, cfg_.socket_path); !st) return st;
      unix_acc_.open(local(), ec);
      if (!ec) unix_acc_.bind(local::endpoint(cfg_.socket_path), ec);
      if (ec)
        return error{errc::bad_config, fmt::format("cannot bind the admin socket {}: {}",
                                                   cfg_.socket_path, ec.message())};
      bound_path_ = true;
      // Nobody can connect before listen(), so the file is 0600 before it is reachable.
      if (::chmod(cfg_.socket_path.c_str(), 0600) != 0)
        return error{errc::bad_config,
                     fmt::format("cannot chmod the admin socket {}", cfg_.socket_path)};
      unix_acc_.listen(asio::socket_base::max_listen_connections, ec);
      if (ec)
        return error{errc::bad_config,
                     fmt::format("cannot listen on {}: {}", cfg_.socket_path, ec.message())};
      accept_loop(s_, unix_acc_, false);
    }
    if (!cfg_.tcp_host.empty()) {
      if (cfg_.token.empty())
        return error{errc::bad_config, "the admin TCP listener needs a token"};
      auto addr = asio::ip::make_address(cfg_.tcp_host, ec);
      if (ec) return error{errc::bad_config, fmt::format("bad admin address '{}'", cfg_.tcp_host)};
      tcp::endpoint ep(addr, cfg_.tcp_port);
      tcp_acc_.open(ep.protocol(), ec);
      if (!ec) tcp_acc_.set_option(asio::socket_base::reuse_address(true), ec);
      if (!ec) tcp_acc_.bind(ep, ec);
      if (!ec) tcp_acc_.listen(asio::socket_base::max_listen_connections, ec);
      if (ec)
        return error{errc::bad_config, fmt::format("cannot listen on admin address {}:{}: {}",
                                                   cfg_.tcp_host, cfg_.tcp_port, ec.message())};
      port_ = tcp_acc_.local_endpoint().port();
      accept_loop(s_, tcp_acc_, true);
    }
    io_thread_ = std::thread([this] { s_.io.run(); });
    return persistence::success();
  }

  std::uint16_t tcp_port() const override { return port_; }

  void stop() override {
    if (stopped_.exchange(true)) return;
    asio::post(s_.io, [this] {
      error_code ignored;
      unix_acc_.close(ignored);
      tcp_acc_.close(ignored);
    });
    std::vector<std::shared_ptr<session_base>> live;
    {
      std::lock_guard lock{s_.mu};
      for (auto& w : s_.sessions)
        if (auto p = w.lock()) live.push_back(std::move(p));
    }
    for (auto& p : live) p->close();
    live.clear();
    s_.pool.join();  // running handlers finish (their emits now fail fast)
    s_.io.stop();
    if (io_thread_.joinable()) io_thread_.join();
    if (bound_path_) ::unlink(cfg_.socket_path.c_str());
  }

 private:
  listener_config cfg_;
  shared s_;
  local::acceptor unix_acc_;
  tcp::acceptor tcp_acc_;
  std::thread io_thread_;
  std::uint16_t port_ = 0;
  bool bound_path_ = false;
  std::atomic<bool> stopped_{false};
};

}  // namespace

persistence::result<std::unique_ptr<listener>> listener::start(listener_config cfg, handler h) {
  auto l = std::make_unique<listener_impl>(std::move(cfg), std::move(h));
  if (auto st = l->open(); !st) {
    l->stop();
    return st.err();
  }
  return std::unique_ptr<listener>(std::move(l));
}

}  // namespace chat::admin
