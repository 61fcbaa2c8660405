#pragma once
// Which avatar values are valid (docs/protocol.md, "Profiles and avatars"). Pure functions: the
// parser checks requests with them, the gateway and the stores need no second opinion.
#include <string_view>

namespace chat::protocol {

/// "" (no colour) or "#" and six hex digits (either case).
bool is_avatar_color(std::string_view s);

/// An avatar image id as POST /api/avatars hands it out: 32 lower-case hex digits.
bool is_avatar_id(std::string_view s);

/// "" (no image) or an avatar image id.
inline bool is_avatar_value(std::string_view s) {
  return s.empty() || is_avatar_id(s);
}

}  // namespace chat::protocol
