#include "actors/group_rules.hpp"

#include <algorithm>

namespace chat::actors {

namespace {

/// Username characters (auth/username.hpp): ASCII letters, digits, '_', '.', '-'.
bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

bool same_ascii_ci(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lo = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lo(a[i]) != lo(b[i])) return false;
  }
  return true;
}

}  // namespace

role role_of(std::string_view name) {
  return name == "owner" ? role::owner : name == "admin" ? role::admin : role::member;
}

const char* role_name(role r) {
  return r == role::owner ? "owner" : r == role::admin ? "admin" : "member";
}

bool may_edit(persistence::user_id who, persistence::user_id author) {
  return who == author;
}

bool may_delete(persistence::user_id who, role who_role, persistence::user_id author, bool group) {
  return who == author || (group && who_role != role::member);
}

bool may_update_group(role who_role) {
  return who_role != role::member;
}

bool may_remove(role who_role, role target_role) {
  return who_role == role::owner || (who_role == role::admin && target_role == role::member);
}

bool may_set_role(role who_role) {
  return who_role == role::owner;
}

std::vector<persistence::user_id> find_mentions(
    std::string_view body, const std::vector<std::pair<persistence::user_id, std::string>>& members,
    persistence::user_id sender, std::size_t max) {
  std::vector<persistence::user_id> out;
  for (std::size_t i = 0; i < body.size() && out.size() < max; ++i) {
    if (body[i] != '@' || (i > 0 && name_char(body[i - 1]))) continue;
    std::size_t end = i + 1;
    while (end < body.size() && name_char(body[end])) ++end;
    std::string_view name = body.substr(i + 1, end - i - 1);
    // "@bob." ends a sentence: try the name with its trailing punctuation too, then without.
    while (!name.empty()) {
      auto it = std::find_if(members.begin(), members.end(),
                             [&](const auto& m) { return same_ascii_ci(m.second, name); });
      if (it != members.end()) {
        if (it->first != sender && std::find(out.begin(), out.end(), it->first) == out.end())
          out.push_back(it->first);
        break;
      }
      if (name.back() != '.' && name.back() != '-' && name.back() != '_') break;
      name.remove_suffix(1);
    }
    i = end - 1;
  }
  return out;
}

}  // namespace chat::actors
