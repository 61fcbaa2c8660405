#include "gateway/auth_request.hpp"

#include <boost/asio/ip/address.hpp>

#include "util/text.hpp"

namespace chat::gateway {

namespace {

// --trust-proxy: a proxy on this host tells us the scheme and the client's address. Only the
// last X-Forwarded-For entry is the one our proxy added; earlier ones are the client's claims.
void apply_forwarded(const http_request& req, auth::http_request& r) {
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

}  // namespace

auth::http_request to_auth_request(const http_request& req, const tcp::socket& sock,
                                   const config& cfg, bool tls) {
  auth::http_request r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  r.body = req.body();
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

bool request_is_tls(const http_request& req, const tcp::socket& sock, const config& cfg, bool tls) {
  if (tls || !cfg.trust_proxy) return tls;
  error_code ec;
  auto ep = sock.remote_endpoint(ec);
  if (ec || !ep.address().is_loopback()) return false;
  auto proto = sv(req["X-Forwarded-Proto"]);
  return util::iequals(util::trim(proto.substr(0, proto.find(','))), "https");
}

}  // namespace chat::gateway
