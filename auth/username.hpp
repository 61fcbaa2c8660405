#pragma once
// Username rules (docs/http-api.md): 3–32 characters from ASCII letters, digits, '_', '.', '-';
// the first character a letter or digit; unique case-insensitively; some names reserved.
#include <optional>
#include <string>
#include <string_view>

namespace chat::auth {

inline constexpr std::size_t min_username_chars = 3;
inline constexpr std::size_t max_username_chars = 32;

struct username_problem {
  std::string
      reason;  ///< "too_short", "too_long", "invalid_characters", "must_start_alnum", "reserved"
  std::string message;  ///< a sentence for the user
};

/// Nothing when the name follows the rules (uniqueness is the database's job).
std::optional<username_problem> check_username(std::string_view name);
/// ASCII lower-case.
std::string to_lower(std::string_view s);

}  // namespace chat::auth
