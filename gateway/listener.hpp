#pragma once
// Accepts connections on one port (chat-multi's listener) and starts an http_session for each:
// the public port (plain or TLS, capped per client address, with a backoff when descriptors run
// out) or the loopback --metrics-listen port (/metrics and /healthz only).
#include <chrono>
#include <cstdint>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "gateway/beast.hpp"
#include "persistence/outage_log.hpp"

namespace chat::gateway {

class shared_state;

class listener {
 public:
  /// `tls`: the public port's TLS context (null: plain); `metrics_only`: the metrics port.
  listener(net::io_context& ioc, shared_state& st, net::ssl::context* tls, bool metrics_only);

  /// Opens, binds and listens; the error of the step that failed.
  error_code listen(const tcp::endpoint& ep, int backlog);
  /// The bound port (valid after listen()).
  std::uint16_t port() const;
  /// Starts the accept loop (it runs while st.accepting).
  void run();
  /// Closes the listening socket (on an I/O thread, or after they stopped).
  void close();

 private:
  void do_accept();
  void on_accept(error_code ec, tcp::socket socket);
  /// An accept failed: log (rate limited), and for resource exhaustion pause before the next try
  /// so the loop does not spin on a full fd table.
  void on_accept_error(const error_code& ec);

  net::io_context& ioc_;
  shared_state& st_;
  net::ssl::context* tls_;
  bool metrics_only_;
  tcp::acceptor acceptor_;
  net::steady_timer accept_pause_;  ///< backoff after EMFILE and friends
  std::chrono::milliseconds accept_backoff_{0};
  persistence::outage_log accept_errors_;
};

}  // namespace chat::gateway
