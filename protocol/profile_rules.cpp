#include "protocol/profile_rules.hpp"

namespace chat::protocol {

namespace {

bool is_hex(char c, bool upper_too) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (upper_too && c >= 'A' && c <= 'F');
}

}  // namespace

bool is_avatar_color(std::string_view s) {
  if (s.empty()) return true;
  if (s.size() != 7 || s[0] != '#') return false;
  for (char c : s.substr(1))
    if (!is_hex(c, true)) return false;
  return true;
}

bool is_avatar_id(std::string_view s) {
  if (s.size() != 32) return false;
  for (char c : s)
    if (!is_hex(c, false)) return false;
  return true;
}

}  // namespace chat::protocol
