#pragma once
// Request/response plumbing shared by the auth handlers: bearer tokens, JSON errors, cookies.
#include <optional>
#include <string>
#include <string_view>

#include "auth/http_error.hpp"
#include "auth/service.hpp"
#include "util/cookie.hpp"
#include "util/uri.hpp"

namespace chat::auth {

// Targets, query strings, percent-encoding and cookies have one home: util/.
using util::cookie_value;
using util::query_param;
using util::target_path;
inline std::string url_encode(std::string_view s) {
  return util::percent_encode(s);
}

/// The token of "Bearer <token>", or nothing.
std::optional<std::string> bearer_token(std::string_view authorization);

/// The error `code` (its status from the one table, auth/http_error.hpp) with this message.
http_response json_error(http_error code, std::string_view message);
/// Set-Cookie value for the session cookie (Max-Age in seconds; 0 clears it).
std::string session_cookie_header(std::string_view token, long long max_age_s, bool secure);
/// Printable, bounded copy of untrusted text for log lines.
std::string log_safe(std::string_view s, std::size_t max = 64);

}  // namespace chat::auth
