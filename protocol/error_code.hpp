#pragma once
#include <optional>
#include <string_view>

namespace chat::protocol {

/// The fixed list of protocol error codes (docs/protocol.md has meanings and retry advice).
/// Client errors first, then server errors. The wire form is the snake_case name.
enum class error_code {
  // client errors: fix the request, do not retry as is
  bad_json,               ///< not valid JSON
  not_object,             ///< top level is not an object
  unknown_type,           ///< "type" names no request
  missing_field,          ///< a required field is absent
  bad_field,              ///< a field has the wrong JSON type or an invalid value
  frame_too_large,        ///< frame over the byte limit (connection closed with 1009)
  body_too_long,          ///< message body over the character limit
  empty_body,             ///< body empty or only whitespace
  invalid_utf8,           ///< frame is not valid UTF-8
  too_deep,               ///< nesting deeper than allowed
  number_out_of_range,    ///< integer outside its documented range
  unsupported_version,    ///< hello asked for a protocol version we do not speak
  not_authenticated,      ///< request before a successful hello / bad token
  already_authenticated,  ///< second hello
  not_member,             ///< not a member of that conversation
  not_found,              ///< no such conversation / user
  forbidden,              ///< allowed for nobody in your position (e.g. add to a direct chat)
  too_many_members,       ///< group member limit
  invalid_username,       ///< username breaks the rules
  rate_limited,           ///< too many requests per second: retry after a pause
  too_many_connections,   ///< per-user connection limit
  // server errors: retry with backoff
  unavailable,  ///< storage unavailable or overloaded: retry later with the same client_msg_id
  internal,     ///< bug; reported, retry may help
};

std::string_view to_string(error_code c) noexcept;
std::optional<error_code> error_code_from_string(std::string_view s) noexcept;
/// Whether a client should retry the same request later (unchanged).
bool is_retryable(error_code c) noexcept;

}  // namespace chat::protocol
