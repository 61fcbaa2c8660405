#pragma once
// What auth needs to know of an HTTP request (method, target, cookie, client address, TLS), read
// from Beast's request and the socket, with --trust-proxy's X-Forwarded-* rules.
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include "auth/service.hpp"
#include "gateway/beast.hpp"
#include "gateway/server.hpp"

namespace chat::gateway {

using http_request = http::request<http::string_body>;

/// The request as auth::service takes it; `tls`: the connection itself is TLS.
auth::http_request to_auth_request(const http_request& req, const tcp::socket& sock,
                                   const config& cfg, bool tls);

/// Whether the client reached us over TLS (directly, or through a trusted proxy that says so).
bool request_is_tls(const http_request& req, const tcp::socket& sock, const config& cfg, bool tls);

}  // namespace chat::gateway
