#include "gateway/listener.hpp"

#include <algorithm>
#include <cerrno>
#include <memory>
#include <string>
#include <thread>

#include <boost/asio/strand.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "gateway/http_session.hpp"
#include "gateway/shared_state.hpp"
#include "metrics/registry.hpp"

namespace chat::gateway {

namespace {

// Holds one connection's place in the per-address count while either session owns the socket.
std::shared_ptr<void> ip_slot(shared_state& st, std::string ip) {
  return std::shared_ptr<void>(nullptr, [&st, ip = std::move(ip)](void*) { st.release(ip); });
}

// Out of descriptors or memory: retrying at once fails again and spins (and floods the log).
bool resource_exhausted(const error_code& ec) {
  return ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
         ec == net::error::no_memory || ec.value() == ENFILE;
}

}  // namespace

listener::listener(net::io_context& ioc, shared_state& st, net::ssl::context* tls,
                   bool metrics_only)
    : ioc_(ioc),
      st_(st),
      tls_(tls),
      metrics_only_(metrics_only),
      acceptor_(ioc),
      accept_pause_(ioc) {}

error_code listener::listen(const tcp::endpoint& ep, int backlog) {
  error_code ec;
  acceptor_.open(ep.protocol(), ec);
  if (!ec) acceptor_.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(ep, ec);
  if (!ec) acceptor_.listen(backlog, ec);
  return ec;
}

std::uint16_t listener::port() const {
  return acceptor_.local_endpoint().port();
}

void listener::run() {
  do_accept();
}

void listener::close() {
  error_code ec;
  acceptor_.close(ec);
}

void listener::do_accept() {
  acceptor_.async_accept(net::make_strand(ioc_), [this](error_code ec, tcp::socket socket) {
    on_accept(ec, std::move(socket));
  });
}

void listener::on_accept(error_code ec, tcp::socket socket) {
  if (metrics_only_) {
    if (ec == net::error::operation_aborted || !st_.accepting) return;
    if (!ec)
      std::make_shared<http_session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), st_,
                                                        std::shared_ptr<void>(), true)
          ->run();
    if (ec && resource_exhausted(ec)) {
      // Rare and cheap: the public listener's backoff and log cover the condition.
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return do_accept();
  }
  if (ec) {
    if (!st_.accepting || ec == net::error::operation_aborted) return;
    return on_accept_error(ec);
  }
  accept_backoff_ = std::chrono::milliseconds(0);
  error_code ignored;
  auto peer = socket.remote_endpoint(ignored);
  std::string ip = ignored ? std::string() : peer.address().to_string();
  // Behind --trust-proxy every client arrives from the proxy's loopback address.
  bool exempt = st_.cfg.trust_proxy && !ignored && peer.address().is_loopback();
  if (!exempt && !st_.admit(ip)) {
    st_.stats.refused_per_ip.Increment();
    socket.close(ignored);  // over the per-address cap: refused before any work is done
  } else {
    auto slot = exempt ? std::shared_ptr<void>() : ip_slot(st_, ip);
    // Small frames both ways: Nagle plus delayed ACKs would add ~40 ms to request/reply pairs.
    socket.set_option(tcp::no_delay(true), ignored);
    if (tls_) {
      using tls_stream = beast::ssl_stream<beast::tcp_stream>;
      std::make_shared<http_session<tls_stream>>(tls_stream(std::move(socket), *tls_), st_,
                                                 std::move(slot), false)
          ->run();
    } else {
      std::make_shared<http_session<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), st_,
                                                        std::move(slot), false)
          ->run();
    }
  }
  if (st_.accepting) do_accept();
}

void listener::on_accept_error(const error_code& ec) {
  if (auto line = accept_errors_.record("accept", ec.message()))
    CHAT_LOG_WARN("gateway", "{} (new connections wait; the listen backlog holds them)", *line);
  st_.stats.accept_errors.Increment();
  if (!resource_exhausted(ec)) return do_accept();
  // 10 ms doubling to 1 s while the condition lasts; a success resets it.
  accept_backoff_ = std::min<std::chrono::milliseconds>(
      std::chrono::seconds(1),
      accept_backoff_.count() == 0 ? std::chrono::milliseconds(10) : accept_backoff_ * 2);
  accept_pause_.expires_after(accept_backoff_);
  accept_pause_.async_wait([this](error_code wait_ec) {
    if (!wait_ec && st_.accepting) do_accept();
  });
}

}  // namespace chat::gateway
