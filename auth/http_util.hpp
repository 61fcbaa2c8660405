#pragma once
// Request/response plumbing shared by the auth handlers: targets, query strings, cookies, JSON
// errors.
#include <optional>
#include <string>
#include <string_view>

#include "auth/service.hpp"

namespace chat::auth {

/// The path of a target, without the query.
std::string_view target_path(std::string_view target);
/// The decoded value of query parameter `name`, or nothing.
std::optional<std::string> query_param(std::string_view target, std::string_view name);
/// Percent-decoding ('+' as space); nothing on a malformed escape.
std::optional<std::string> url_decode(std::string_view s);
/// Percent-encoding of everything but unreserved characters (RFC 3986).
std::string url_encode(std::string_view s);
/// Value of cookie `name` in a Cookie header, or nothing.
std::optional<std::string> cookie_value(std::string_view header, std::string_view name);
/// The token of "Bearer <token>", or nothing.
std::optional<std::string> bearer_token(std::string_view authorization);

/// {"error":code,"message":message} with `status`.
http_response json_error(int status, std::string_view code, std::string_view message);
/// Set-Cookie value for the session cookie (Max-Age in seconds; 0 clears it).
std::string session_cookie_header(std::string_view token, long long max_age_s, bool secure);
/// Printable, bounded copy of untrusted text for log lines.
std::string log_safe(std::string_view s, std::size_t max = 64);

}  // namespace chat::auth
