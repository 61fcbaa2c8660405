// The Beast side of the test client: each client owns an io_context and runs it only inside its
// own calls, for at most the call's timeout (blocking API, but nothing can hang a test).
#include "tests/e2e/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <cctype>
#include <optional>

namespace chat::e2e {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using error_code = beast::error_code;

namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// Runs the context until `done` or the deadline; false on timeout.
template <class Pred>
bool run_until(net::io_context& ioc, Pred done, std::chrono::steady_clock::time_point deadline) {
  while (!done()) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    if (ioc.stopped()) ioc.restart();
    ioc.run_one_for(deadline - now);
  }
  return true;
}

error_code open_socket(net::io_context& ioc, tcp::socket& sock, std::uint16_t port,
                       const std::string& source_ip,
                       std::chrono::steady_clock::time_point deadline) {
  error_code ec;
  sock.open(tcp::v4(), ec);
  if (ec) return ec;
  if (!source_ip.empty()) {
    sock.bind({net::ip::make_address(source_ip, ec), 0}, ec);
    if (ec) return ec;
  }
  bool done = false;
  sock.async_connect({net::ip::make_address("127.0.0.1"), port}, [&](error_code e) {
    ec = e;
    done = true;
  });
  if (!run_until(
          ioc, [&] { return done; }, deadline)) {
    sock.close(ec);
    return beast::error::timeout;
  }
  if (!ec) {
    error_code ignored;
    sock.set_option(tcp::no_delay(true), ignored);
  }
  return ec;
}

}  // namespace

std::string http_response::header(std::string_view name) const {
  for (const auto& [k, v] : fields)
    if (iequals(k, name)) return v;
  return {};
}

std::string http_response::set_cookie(std::string_view name) const {
  for (const auto& [k, v] : fields) {
    if (!iequals(k, "set-cookie")) continue;
    std::string_view s = v;
    if (s.substr(0, name.size()) == name && s.size() > name.size() && s[name.size()] == '=') {
      auto value = s.substr(name.size() + 1);
      return std::string(value.substr(0, value.find(';')));
    }
  }
  return {};
}

http_response http_request(std::uint16_t port, std::string method, std::string target,
                           std::string body, headers extra, std::chrono::milliseconds timeout,
                           std::string source_ip) {
  http_response out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  net::io_context ioc;
  tcp::socket sock(ioc);
  if (auto ec = open_socket(ioc, sock, port, source_ip, deadline)) {
    out.error = "connect: " + ec.message();
    return out;
  }
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1:" + std::to_string(port));
  req.set(http::field::user_agent, "chatd-e2e");
  if (!body.empty()) req.set(http::field::content_type, "application/json");
  for (const auto& [k, v] : extra) req.set(k, v);
  req.body() = std::move(body);
  req.prepare_payload();
  req.keep_alive(false);
  error_code ec;
  bool done = false;
  http::async_write(sock, req, [&](error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  if (!run_until(
          ioc, [&] { return done; }, deadline)) {
    out.error = "write timeout";
    return out;
  }
  if (ec) {
    out.error = "write: " + ec.message();
    return out;
  }
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  done = false;
  http::async_read(sock, buf, parser, [&](error_code e, std::size_t) {
    ec = e;
    done = true;
  });
  if (!run_until(
          ioc, [&] { return done; }, deadline)) {
    out.error = "read timeout";
    return out;
  }
  if (ec) {
    out.error = "read: " + ec.message();
    return out;
  }
  auto res = parser.release();
  out.status = res.result_int();
  out.body = std::move(res.body());
  for (const auto& f : res)
    out.fields.emplace_back(std::string(f.name_string()), std::string(f.value()));
  return out;
}

struct ws_client::impl {
  net::io_context ioc;
  websocket::stream<beast::tcp_stream> ws{ioc};
  beast::flat_buffer buffer;
  bool read_pending = false;
  std::optional<ws_read> read_result;
  int pongs = 0, pings = 0;
};

ws_client::ws_client(std::unique_ptr<impl> p) : impl_(std::move(p)) {}

ws_client::~ws_client() {
  abort();
}

ws_client::result ws_client::connect(std::uint16_t port, headers extra,
                                     std::chrono::milliseconds timeout, std::string source_ip) {
  result out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto p = std::make_unique<impl>();
  auto& sock = beast::get_lowest_layer(p->ws).socket();
  if (auto ec = open_socket(p->ioc, sock, port, source_ip, deadline)) {
    out.error = "connect: " + ec.message();
    return out;
  }
  p->ws.set_option(websocket::stream_base::decorator([extra](websocket::request_type& req) {
    req.set(http::field::user_agent, "chatd-e2e");
    for (const auto& [k, v] : extra) req.set(k, v);
  }));
  p->ws.read_message_max(64 * 1024 * 1024);
  p->ws.control_callback([q = p.get()](websocket::frame_type kind, beast::string_view) {
    if (kind == websocket::frame_type::pong) ++q->pongs;
    if (kind == websocket::frame_type::ping) ++q->pings;
  });
  websocket::response_type res;
  error_code ec;
  bool done = false;
  p->ws.async_handshake(res, "127.0.0.1:" + std::to_string(port), "/ws", [&](error_code e) {
    ec = e;
    done = true;
  });
  if (!run_until(
          p->ioc, [&] { return done; }, deadline)) {
    out.error = "handshake timeout";
    return out;
  }
  if (ec) {
    out.http_status = res.result_int();
    out.body = res.body();
    out.error = "handshake: " + ec.message();
    return out;
  }
  out.client.reset(new ws_client(std::move(p)));
  return out;
}

namespace {
/// Starts one operation (its handler gets an error_code first) and waits for it within timeout.
template <class Start>
bool run_op(ws_client::impl& p, std::chrono::milliseconds timeout, Start start) {
  error_code ec;
  bool done = false;
  start([&](error_code e, auto&&...) {
    ec = e;
    done = true;
  });
  if (!run_until(
          p.ioc, [&] { return done; }, std::chrono::steady_clock::now() + timeout))
    return false;
  return !ec;
}

bool write_frame(ws_client::impl& p, std::string_view data, bool text,
                 std::chrono::milliseconds timeout) {
  p.ws.text(text);
  return run_op(p, timeout, [&](auto handler) {
    p.ws.async_write(net::buffer(data.data(), data.size()), std::move(handler));
  });
}
}  // namespace

bool ws_client::send_text(std::string_view text, std::chrono::milliseconds timeout) {
  return write_frame(*impl_, text, true, timeout);
}

bool ws_client::send_binary(std::string_view data, std::chrono::milliseconds timeout) {
  return write_frame(*impl_, data, false, timeout);
}

bool ws_client::send_ping(std::chrono::milliseconds timeout) {
  auto& p = *impl_;
  return run_op(p, timeout, [&](auto handler) { p.ws.async_ping({}, std::move(handler)); });
}

int ws_client::pongs_seen() const {
  return impl_->pongs;
}

int ws_client::pings_seen() const {
  return impl_->pings;
}

ws_read ws_client::read(std::chrono::milliseconds timeout) {
  auto& p = *impl_;
  if (!p.read_pending && !p.read_result) {
    p.read_pending = true;
    p.ws.async_read(p.buffer, [&p](error_code ec, std::size_t) {
      p.read_pending = false;
      ws_read r;
      if (!ec) {
        r.what = p.ws.got_text() ? ws_read::kind::text : ws_read::kind::binary;
        r.data = beast::buffers_to_string(p.buffer.data());
        p.buffer.consume(p.buffer.size());
      } else if (ec == websocket::error::closed) {
        r.what = ws_read::kind::closed;
        r.close_code = p.ws.reason().code;
        r.reason.assign(p.ws.reason().reason.data(), p.ws.reason().reason.size());
      } else {
        r.what = ws_read::kind::error;
        r.reason = ec.message();
      }
      p.read_result = std::move(r);
    });
  }
  if (!run_until(
          p.ioc, [&p] { return p.read_result.has_value(); },
          std::chrono::steady_clock::now() + timeout))
    return ws_read{ws_read::kind::timeout, {}, 0, "timeout"};
  auto r = std::move(*p.read_result);
  p.read_result.reset();
  return r;
}

void ws_client::close() {
  auto& p = *impl_;
  if (!p.ws.is_open()) return;
  bool done = false;
  p.ws.async_close(websocket::close_code::normal, [&](error_code) { done = true; });
  // A pending read completes with `closed` once the server answers.
  run_until(
      p.ioc, [&] { return done && !p.read_pending; }, std::chrono::steady_clock::now() + 2s);
  abort();
}

void ws_client::abort() {
  if (!impl_) return;
  error_code ec;
  auto& sock = beast::get_lowest_layer(impl_->ws).socket();
  if (sock.is_open()) sock.close(ec);
  // Let cancelled handlers run so nothing refers to this client afterwards.
  impl_->ioc.restart();
  impl_->ioc.poll();
}

}  // namespace chat::e2e
