#include "auth/username.hpp"

#include <algorithm>
#include <array>

namespace chat::auth {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// Names that would confuse people (impersonating staff or the system) or collide with routes.
constexpr std::array<std::string_view, 24> reserved = {
    "admin",    "administrator", "root",    "system",    "chatd",     "api",
    "auth",     "support",       "help",    "mod",       "moderator", "staff",
    "official", "security",      "null",    "undefined", "none",      "me",
    "everyone", "here",          "channel", "anonymous", "server",    "nobody"};

}  // namespace

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  }
  return out;
}

std::optional<username_problem> check_username(std::string_view name) {
  if (name.size() < min_username_chars) {
    return username_problem{"too_short", "Usernames need at least 3 characters."};
  }
  if (name.size() > max_username_chars) {
    return username_problem{"too_long", "Usernames can be at most 32 characters long."};
  }
  for (char c : name) {
    if (!is_alnum(c) && c != '_' && c != '.' && c != '-') {
      return username_problem{"invalid_characters",
                              "Usernames may contain only letters a-z, digits, '_', '.' and '-'."};
    }
  }
  if (!is_alnum(name.front())) {
    return username_problem{"must_start_alnum", "Usernames must start with a letter or a digit."};
  }
  const std::string lower = to_lower(name);
  if (std::find(reserved.begin(), reserved.end(), lower) != reserved.end()) {
    return username_problem{"reserved", "This username is reserved."};
  }
  return std::nullopt;
}

}  // namespace chat::auth
