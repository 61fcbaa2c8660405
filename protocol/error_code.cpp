#include "protocol/error_code.hpp"

#include <array>
#include <utility>

namespace chat::protocol {
namespace {

// One table keeps the wire names and the enum in step; order matches the enum.
constexpr std::array<std::pair<error_code, std::string_view>, 23> names{{
    {error_code::bad_json, "bad_json"},
    {error_code::not_object, "not_object"},
    {error_code::unknown_type, "unknown_type"},
    {error_code::missing_field, "missing_field"},
    {error_code::bad_field, "bad_field"},
    {error_code::frame_too_large, "frame_too_large"},
    {error_code::body_too_long, "body_too_long"},
    {error_code::empty_body, "empty_body"},
    {error_code::invalid_utf8, "invalid_utf8"},
    {error_code::too_deep, "too_deep"},
    {error_code::number_out_of_range, "number_out_of_range"},
    {error_code::unsupported_version, "unsupported_version"},
    {error_code::not_authenticated, "not_authenticated"},
    {error_code::already_authenticated, "already_authenticated"},
    {error_code::not_member, "not_member"},
    {error_code::not_found, "not_found"},
    {error_code::forbidden, "forbidden"},
    {error_code::too_many_members, "too_many_members"},
    {error_code::invalid_username, "invalid_username"},
    {error_code::rate_limited, "rate_limited"},
    {error_code::too_many_connections, "too_many_connections"},
    {error_code::unavailable, "unavailable"},
    {error_code::internal, "internal"},
}};

static_assert(names.back().first == error_code::internal, "table must cover every code");

}  // namespace

std::string_view to_string(error_code c) noexcept {
  const auto i = static_cast<std::size_t>(c);
  return i < names.size() ? names[i].second : std::string_view{"internal"};
}

std::optional<error_code> error_code_from_string(std::string_view s) noexcept {
  for (const auto& [code, name] : names) {
    if (name == s) return code;
  }
  return std::nullopt;
}

bool is_retryable(error_code c) noexcept {
  switch (c) {
    // Transient: the same request may succeed later (after a pause / backoff).
    case error_code::rate_limited:
    case error_code::too_many_connections:
    case error_code::unavailable:
    case error_code::internal:
      return true;
    default:
      return false;
  }
}

}  // namespace chat::protocol
