// The gateway's front: the io_context and its threads, the listeners, signals, start and stop.
// Laid out as Boost.Beast's example/websocket/server/chat-multi: listener (accepts),
// http_session (one HTTP connection), websocket_session (one /ws socket), shared_state (what
// they all see); the routes are one table in routes.hpp.
#include "gateway/server.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl/context.hpp>
#include <future>
#include <optional>
#include <thread>
#include <vector>

#include "gateway/beast.hpp"
#include "gateway/listener.hpp"
#include "gateway/shared_state.hpp"
#include "gateway/tls_context.hpp"
#include "metrics/registry.hpp"

namespace chat::gateway {

struct server::impl {
  impl(config c, actors::server& a, auth::service& s)
      : state(std::move(c), a, s),
        ioc(std::make_unique<net::io_context>(std::max(1, state.cfg.io_threads))) {}

  shared_state state;
  std::uint16_t bound_port = 0;
  std::uint16_t bound_metrics_port = 0;
  std::promise<int> signal_promise;
  std::future<int> signal_future = signal_promise.get_future();
  // Owned by pointer so the destructor can tear them down in a safe order (handlers still queued
  // in the io_context reference the listeners and the state).
  std::unique_ptr<net::io_context> ioc;
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  std::unique_ptr<net::ssl::context> tls;  ///< set when config names a certificate and key
  std::unique_ptr<listener> public_listener;
  std::unique_ptr<listener> metrics_listener;  ///< --metrics-listen (loopback only)
  std::unique_ptr<net::signal_set> signals;
  std::vector<std::thread> threads;
  bool stopped = false;

  void shutdown_threads();
};

void server::impl::shutdown_threads() {
  if (stopped) return;
  stopped = true;
  state.accepting = false;
  state.waiting_auth->close();  // sign-ins still hashing are dropped (their sockets close)
  work.reset();
  ioc->stop();
  for (auto& t : threads)
    if (t.joinable()) t.join();
  threads.clear();
  state.pool->join();
  if (state.attachments) state.attachments->stop();
  error_code ec;
  if (public_listener) public_listener->close();
  if (metrics_listener) metrics_listener->close();
  if (signals) signals->cancel(ec);
}

server::server(config cfg, actors::server& actors, auth::service& auth)
    : impl_(std::make_unique<impl>(std::move(cfg), actors, auth)) {}

server::~server() {
  impl_->shutdown_threads();
  // Destroy queued handlers (and the sessions they own) while the rest of impl is still alive.
  impl_->public_listener.reset();
  impl_->metrics_listener.reset();
  impl_->signals.reset();
  impl_->ioc.reset();
  impl_->state.pool.reset();
}

persistence::status server::start() {
  auto& st = *impl_;
  const auto& cfg = st.state.cfg;
  error_code ec;
  auto addr = net::ip::make_address(cfg.address, ec);
  if (ec)
    return persistence::error{persistence::errc::bad_config,
                              fmt::format("bad listen address '{}'", cfg.address)};
  if (cfg.tls_cert_file.empty() != cfg.tls_key_file.empty())
    return persistence::error{persistence::errc::bad_config,
                              "TLS needs both a certificate and a key (--tls-cert and --tls-key)"};
  if (!cfg.tls_cert_file.empty()) {
    auto ctx = load_tls_context(cfg);
    if (!ctx) return ctx.err();
    st.tls = std::move(*ctx);
  }
  if (!cfg.attachments.dir.empty()) {
    auto db = persistence::db_config::parse(cfg.attachments.db_url);
    if (!db) return db.err();
    auto service = std::make_unique<attachment_service>(cfg.attachments, *db);
    std::string message;
    if (!service->start(message)) return persistence::error{persistence::errc::bad_config, message};
    st.state.attachments = std::move(service);
  }
  auto pub = std::make_unique<listener>(*st.ioc, st.state, st.tls.get(), false);
  if (auto lec = pub->listen({addr, cfg.port}, net::socket_base::max_listen_connections))
    return persistence::error{
        persistence::errc::unavailable,
        fmt::format("cannot listen on {}:{}: {}", cfg.address, cfg.port, lec.message())};
  st.bound_port = pub->port();
  st.public_listener = std::move(pub);
  if (!cfg.metrics_address.empty()) {
    auto maddr = net::ip::make_address(cfg.metrics_address, ec);
    if (ec || !maddr.is_loopback())
      return persistence::error{
          persistence::errc::bad_config,
          fmt::format("--metrics-listen must be a loopback address (127.0.0.1, ::1), not '{}'",
                      cfg.metrics_address)};
    auto mon = std::make_unique<listener>(*st.ioc, st.state, nullptr, true);
    if (auto lec = mon->listen({maddr, cfg.metrics_port}, 64))
      return persistence::error{persistence::errc::unavailable,
                                fmt::format("cannot listen for metrics on {}:{}: {}",
                                            cfg.metrics_address, cfg.metrics_port, lec.message())};
    st.bound_metrics_port = mon->port();
    st.metrics_listener = std::move(mon);
  }
  // Signals are caught from now on, so a SIGTERM during start-up is not the default (fatal) one.
  st.signals = std::make_unique<net::signal_set>(*st.ioc, SIGINT, SIGTERM);
  st.signals->async_wait([&st](error_code ec, int sig) {
    if (!ec) st.signal_promise.set_value(sig);
  });
  st.work.emplace(st.ioc->get_executor());
  st.state.accepting = true;
  st.public_listener->run();
  if (st.metrics_listener) st.metrics_listener->run();
  for (int i = 0; i < std::max(1, cfg.io_threads); ++i)
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
  if (!st.state.accepting.exchange(false)) return;
  std::promise<void> done;
  net::post(*st.ioc, [&st, &done] {
    if (st.public_listener) st.public_listener->close();
    done.set_value();
  });
  done.get_future().wait();
}

void server::stop(std::chrono::milliseconds grace) {
  auto deadline = std::chrono::steady_clock::now() + grace;
  // Sessions still waiting for hello have no actor to close them.
  impl_->state.close_all_sessions();
  // Sessions close themselves once the actor system has sent them 1001; wait for that.
  while (impl_->state.stats.ws_sessions.Value() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  impl_->shutdown_threads();
}

}  // namespace chat::gateway
