#include "auth/https_client.hpp"

#include <fmt/format.h>
#include <openssl/ssl.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/version.hpp>

namespace chat::auth {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

std::optional<parsed_url> parse_url(std::string_view url) {
  parsed_url u;
  if (url.starts_with("https://")) {
    url.remove_prefix(8);
    u.https = true;
    u.port = "443";
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
    u.https = false;
    u.port = "80";
  } else {
    return std::nullopt;
  }
  const auto slash = url.find_first_of("/?");
  std::string_view authority = url.substr(0, slash);
  u.target = slash == std::string_view::npos ? "/" : std::string(url.substr(slash));
  if (u.target.front() == '?') u.target.insert(0, "/");
  if (authority.empty() || authority.find('@') != std::string_view::npos ||
      u.target.find('#') != std::string::npos) {
    return std::nullopt;
  }
  if (authority.front() == '[') {  // [v6]:port
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    u.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (!authority.empty()) {
      if (authority.front() != ':') return std::nullopt;
      u.port = std::string(authority.substr(1));
    }
  } else {
    const auto colon = authority.find(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) u.port = std::string(authority.substr(colon + 1));
  }
  if (u.host.empty() || u.port.empty() || u.port.size() > 5 ||
      u.port.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  for (char c : u.host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == ':' || c == '_';
    if (!ok) return std::nullopt;
  }
  for (unsigned char c : u.target) {
    if (c <= 0x20 || c >= 0x7f) return std::nullopt;  // no header injection through the target
  }
  return u;
}

bool is_loopback_host(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  boost::system::error_code ec;
  const auto a = asio::ip::make_address(std::string(host), ec);
  return !ec && a.is_loopback();
}

struct https_client::impl {
  ssl::context ctx{ssl::context::tls_client};
};

https_client::https_client(options opt) : opt_(std::move(opt)), impl_(std::make_unique<impl>()) {
  auto& ctx = impl_->ctx;
  ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  ctx.set_default_verify_paths();
  if (!opt_.extra_ca_file.empty()) ctx.load_verify_file(opt_.extra_ca_file);  // throws: bad config
  ctx.set_verify_mode(ssl::verify_peer);
}

https_client::~https_client() = default;

bool https_client::allowed(std::string_view url) const {
  auto u = parse_url(url);
  if (!u) return false;
  return u->https || (opt_.allow_http_loopback && is_loopback_host(u->host));
}

outbound_result https_client::request(
    std::string_view method, std::string_view url, std::string_view body,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  outbound_result out;
  auto u = parse_url(url);
  if (!u) {
    out.error = "not an http(s) URL";
    return out;
  }
  if (!u->https && !(opt_.allow_http_loopback && is_loopback_host(u->host))) {
    out.error = "plain http is only allowed to a loopback issuer in dev mode";
    return out;
  }
  http::request<http::string_body> req;
  req.method_string(std::string(method));
  req.target(u->target);
  req.version(11);
  {
    // Host carries the port unless it is the scheme's default: providers build URLs from it.
    const bool v6 = u->host.find(':') != std::string::npos;
    std::string host = v6 ? "[" + u->host + "]" : u->host;
    if (u->port != (u->https ? "443" : "80")) host += ":" + u->port;
    req.set(http::field::host, host);
  }
  req.set(http::field::user_agent, "chatd");
  req.set(http::field::accept, "application/json");
  req.set(http::field::connection, "close");
  for (const auto& [k, v] : headers) req.set(k, v);
  if (!body.empty() || method == "POST") {
    req.body() = std::string(body);
    req.prepare_payload();
  }

  asio::io_context ioc;
  tcp::resolver resolver(ioc);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(opt_.max_body);
  parser.header_limit(16 * 1024);
  boost::system::error_code result_ec;
  std::string stage;

  // One io_context per call, run on the calling thread: the asynchronous operations exist only to
  // get timeouts (beast::tcp_stream::expires_after), the call as a whole is blocking.
  auto run = [&](auto& stream, auto& lowest, auto&& handshake) {
    stage = "resolve";
    resolver.async_resolve(
        u->host, u->port, [&](boost::system::error_code ec, tcp::resolver::results_type results) {
          if (ec) return void(result_ec = ec);
          if (!u->https) {
            for (const auto& r : results) {  // "localhost" must really be loopback
              if (!r.endpoint().address().is_loopback()) {
                result_ec = asio::error::access_denied;
                stage = "non-loopback address";
                return;
              }
            }
          }
          stage = "connect";
          lowest.expires_after(opt_.timeout);
          lowest.async_connect(results, [&](boost::system::error_code ec, const tcp::endpoint&) {
            if (ec) return void(result_ec = ec);
            handshake([&](boost::system::error_code ec) {
              if (ec) return void(result_ec = ec);
              stage = "write";
              lowest.expires_after(opt_.timeout);
              http::async_write(stream, req, [&](boost::system::error_code ec, std::size_t) {
                if (ec) return void(result_ec = ec);
                stage = "read";
                lowest.expires_after(opt_.timeout);
                http::async_read(stream, buffer, parser,
                                 [&](boost::system::error_code ec, std::size_t) {
                                   if (ec) result_ec = ec;
                                 });
              });
            });
          });
        });
    ioc.run();
  };

  if (u->https) {
    beast::ssl_stream<beast::tcp_stream> stream(ioc, impl_->ctx);
    if (!SSL_set_tlsext_host_name(stream.native_handle(), u->host.c_str())) {
      out.error = "TLS: cannot set SNI";
      return out;
    }
    stream.set_verify_callback(ssl::host_name_verification(u->host));
    auto& lowest = beast::get_lowest_layer(stream);
    run(stream, lowest, [&](auto&& next) {
      stage = "TLS handshake";
      lowest.expires_after(opt_.timeout);
      stream.async_handshake(ssl::stream_base::client, next);
    });
  } else {
    beast::tcp_stream stream(ioc);
    run(stream, stream, [&](auto&& next) { next(boost::system::error_code{}); });
  }
  if (result_ec) {
    out.error = fmt::format("{} {}:{} failed at {}: {}", method, u->host, u->port, stage,
                            result_ec.message());
    return out;
  }
  auto res = parser.release();
  outbound_response r;
  r.status = int(res.result_int());
  r.content_type = std::string(res[http::field::content_type]);
  r.body = std::move(res.body());
  out.response = std::move(r);
  return out;
}

}  // namespace chat::auth
