#pragma once
// Pure text logic of message search (no database): case folding, trigrams, excerpts, cursors.
// Both backends' indexes are built from these, so SQLite and MariaDB agree on what matches.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chat::persistence::search_text {

/// Letters A-Z become a-z; every other byte is kept (so UTF-8 stays valid and CJK is unchanged).
std::string fold(std::string_view s);

/// Number of Unicode code points of valid UTF-8 text.
std::size_t code_points(std::string_view s);

/// The distinct sequences of 3 consecutive code points of `folded`, in first-seen order.
std::vector<std::string> trigrams(std::string_view folded);

/// Whether `folded_query` occurs in `body` after folding it.
bool contains(std::string_view body, std::string_view folded_query);

/// A piece of `body` around the first occurrence of the query (or its start when the query is
/// not found literally): at most `max_chars` code points, cut at code-point boundaries, with
/// "…" where text was left out on either side.
std::string excerpt(std::string_view body, std::string_view folded_query,
                    std::size_t max_chars = 120);

/// Where a page of results ends: hits are ordered newest first by (ts, conversation, seq); the
/// next page starts strictly below this key.
struct cursor {
  std::int64_t ts = 0;
  std::int64_t conversation = 0;
  std::int64_t seq = 0;
  bool operator==(const cursor&) const = default;
};

/// "ts.conversation.seq" in decimal; clients treat it as opaque.
std::string encode(const cursor& c);
/// nullopt when the text is not a cursor this server wrote.
std::optional<cursor> decode(std::string_view text);

}  // namespace chat::persistence::search_text
