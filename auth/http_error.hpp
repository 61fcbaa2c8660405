#pragma once
// The one vocabulary of HTTP errors, for auth's API and the gateway's own answers: every code
// with its status in one table (shaped after userver's HandlerErrorCode and Centrifuge's
// errors.go). Each error body is {"error": "<name>", "message": "<for people>"}; clients act on
// the name, the status agrees with it. docs/http-api.md lists the same table (a test compares).
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chat::auth {

enum class http_error : std::uint8_t {
  // 4xx: the request must change (or wait, for rate_limited) before it can succeed.
  bad_request,
  invalid_username,
  weak_password,
  bad_path,
  invalid_credentials,
  unauthenticated,
  account_disabled,
  forbidden,
  forbidden_origin,
  not_found,
  unknown_provider,
  no_pending_signup,
  method_not_allowed,
  username_taken,
  identity_already_linked,
  body_too_large,
  unsupported_media_type,
  upgrade_required,
  rate_limited,
  headers_too_large,
  // 5xx: the same request may succeed later.
  internal,
  insufficient_storage,
  unavailable,
};

struct http_error_info {
  http_error code;
  int status;
  std::string_view name;
};

/// The table, in enum order.
inline constexpr std::array<http_error_info, 23> http_errors{{
    {http_error::bad_request, 400, "bad_request"},
    {http_error::invalid_username, 400, "invalid_username"},
    {http_error::weak_password, 400, "weak_password"},
    {http_error::bad_path, 400, "bad_path"},
    {http_error::invalid_credentials, 401, "invalid_credentials"},
    {http_error::unauthenticated, 401, "unauthenticated"},
    {http_error::account_disabled, 403, "account_disabled"},
    {http_error::forbidden, 403, "forbidden"},
    {http_error::forbidden_origin, 403, "forbidden_origin"},
    {http_error::not_found, 404, "not_found"},
    {http_error::unknown_provider, 404, "unknown_provider"},
    // 404 for the GET and the POST alike: there is nothing to complete; sign in again.
    {http_error::no_pending_signup, 404, "no_pending_signup"},
    {http_error::method_not_allowed, 405, "method_not_allowed"},
    {http_error::username_taken, 409, "username_taken"},
    {http_error::identity_already_linked, 409, "identity_already_linked"},
    {http_error::body_too_large, 413, "body_too_large"},
    {http_error::unsupported_media_type, 415, "unsupported_media_type"},
    {http_error::upgrade_required, 426, "upgrade_required"},
    {http_error::rate_limited, 429, "rate_limited"},
    {http_error::headers_too_large, 431, "headers_too_large"},
    {http_error::internal, 500, "internal"},
    {http_error::insufficient_storage, 507, "insufficient_storage"},
    {http_error::unavailable, 503, "unavailable"},
}};

constexpr bool in_enum_order() {
  for (std::size_t i = 0; i < http_errors.size(); ++i)
    if (static_cast<std::size_t>(http_errors[i].code) != i) return false;
  return static_cast<std::size_t>(http_error::unavailable) + 1 == http_errors.size();
}
static_assert(in_enum_order(), "http_errors must list every http_error once, in enum order");

constexpr const http_error_info& info_of(http_error e) {
  return http_errors[static_cast<std::size_t>(e)];
}
constexpr int status_of(http_error e) {
  return info_of(e).status;
}
constexpr std::string_view name_of(http_error e) {
  return info_of(e).name;
}
/// The code called `name`, if there is one.
std::optional<http_error> http_error_named(std::string_view name);

/// {"error":"<name>","message":"<message>"} (message escaped; invalid UTF-8 replaced).
std::string error_body(http_error e, std::string_view message);

}  // namespace chat::auth
