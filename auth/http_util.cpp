#include "auth/http_util.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "util/text.hpp"

namespace chat::auth {

std::optional<std::string> bearer_token(std::string_view authorization) {
  authorization = util::trim(authorization);
  if (authorization.size() < 7 || !util::iequals(authorization.substr(0, 7), "bearer "))
    return std::nullopt;
  std::string_view t = util::trim(authorization.substr(7));
  if (t.empty()) return std::nullopt;
  return std::string(t);
}

http_response json_error(http_error code, std::string_view message) {
  http_response r;
  r.status = status_of(code);
  r.body = error_body(code, message);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

std::string session_cookie_header(std::string_view token, long long max_age_s, bool secure) {
  return fmt::format("{}={}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}{}", session_cookie, token,
                     max_age_s, secure ? "; Secure" : "");
}

std::string log_safe(std::string_view s, std::size_t max) {
  std::string out;
  for (unsigned char c : s.substr(0, max)) {
    out.push_back((c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? char(c) : '?');
  }
  if (s.size() > max) out += "...";
  return out;
}

}  // namespace chat::auth
