#include "persistence/search_text.hpp"

#include <charconv>
#include <unordered_set>

namespace chat::persistence::search_text {

namespace {

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0u) == 0x80u;
}

/// Byte offsets where each code point starts, plus s.size() at the end.
std::vector<std::size_t> boundaries(std::string_view s) {
  std::vector<std::size_t> out;
  out.reserve(s.size() + 1);
  for (std::size_t i = 0; i < s.size(); ++i)
    if (!is_continuation(s[i])) out.push_back(i);
  out.push_back(s.size());
  return out;
}

bool parse_int(std::string_view s, std::int64_t& out) {
  if (s.empty() || s.size() > 19) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size() && out >= 0;
}

}  // namespace

std::string fold(std::string_view s) {
  std::string out(s);
  for (auto& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += !is_continuation(c);
  return n;
}

std::vector<std::string> trigrams(std::string_view folded) {
  std::vector<std::string> out;
  auto b = boundaries(folded);
  if (b.size() < 4) return out;  // fewer than 3 code points
  std::unordered_set<std::string_view> seen;
  for (std::size_t i = 0; i + 3 < b.size(); ++i) {
    auto gram = folded.substr(b[i], b[i + 3] - b[i]);
    if (seen.insert(gram).second) out.emplace_back(gram);
  }
  return out;
}

bool contains(std::string_view body, std::string_view folded_query) {
  return fold(body).find(folded_query) != std::string::npos;
}

std::string excerpt(std::string_view body, std::string_view folded_query, std::size_t max_chars) {
  auto b = boundaries(body);
  const std::size_t total = b.size() - 1;
  if (total <= max_chars) return std::string(body);
  auto at = fold(body).find(folded_query);
  std::size_t hit = 0, hit_len = 0;  // in code points
  if (at != std::string::npos && !folded_query.empty()) {
    while (hit < total && b[hit] < at) ++hit;
    hit_len = code_points(folded_query);
  }
  // Some context before the hit (a third of the room), the rest after it.
  std::size_t before = (max_chars > hit_len ? max_chars - hit_len : 0) / 3;
  std::size_t first = hit > before ? hit - before : 0;
  if (first + max_chars > total) first = total - max_chars;
  std::size_t last = first + max_chars;
  std::string out;
  if (first > 0) out += "\u2026";
  out += body.substr(b[first], b[last] - b[first]);
  if (last < total) out += "\u2026";
  return out;
}

std::string encode(const cursor& c) {
  return std::to_string(c.ts) + "." + std::to_string(c.conversation) + "." + std::to_string(c.seq);
}

std::optional<cursor> decode(std::string_view text) {
  auto dot1 = text.find('.');
  if (dot1 == std::string_view::npos) return std::nullopt;
  auto dot2 = text.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos) return std::nullopt;
  cursor c;
  if (!parse_int(text.substr(0, dot1), c.ts) ||
      !parse_int(text.substr(dot1 + 1, dot2 - dot1 - 1), c.conversation) ||
      !parse_int(text.substr(dot2 + 1), c.seq))
    return std::nullopt;
  return c;
}

}  // namespace chat::persistence::search_text
