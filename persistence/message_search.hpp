#pragma once
// Full-text search over message text (docs/protocol.md, "search"). The index is a projection of
// the log kept in step by event_store::append, in the same transaction as the events:
// SQLite: an FTS5 table with the trigram tokenizer over `message_search`;
// MariaDB: `message_search` plus a trigram side table `message_trigrams` (docs/operations.md says
// why not Mroonga). Substrings of 3+ characters use the index; 1-2 character queries scan the
// user's conversations newest first, a bounded number of rows per request.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "persistence/database.hpp"
#include "persistence/search_text.hpp"
#include "persistence/types.hpp"

namespace chat::persistence {

struct search_hit {
  conversation_id conversation = 0;
  seq_t seq = 0;
  user_id sender = 0;
  std::string sender_name;
  std::int64_t ts = 0;
  std::string excerpt;  ///< the message text around the match (search_text::excerpt)
};

struct search_page {
  std::vector<search_hit> hits;  ///< newest first
  /// Where the next page starts; nullopt when nothing older can match. A page may hold fewer hits
  /// than asked (even none) and still have a next cursor when the scan budget ran out.
  std::optional<search_text::cursor> next;
};

class message_search {
 public:
  explicit message_search(database& db) : db_(db) {}

  /// Rows one request examines at most (bounds the cost of short queries and of MariaDB's
  /// trigram candidates that fail the exact check).
  static constexpr int scan_budget = 5000;

  /// Messages of conversations `u` is a member of now whose text contains `query` (ASCII
  /// letters case-insensitively; SQLite's index also folds other scripts' case), newest first,
  /// strictly below `below` when given, at most `limit` hits.
  result<search_page> search(user_id u, std::string_view query,
                             std::optional<search_text::cursor> below, int limit);

  /// Adds (or replaces) the indexed text of message (c, seq). Keeps the original sender and ts
  /// when the message is already indexed (an edit), else uses `sender` and `ts`.
  status put(conversation_id c, seq_t seq, user_id sender, std::int64_t ts, std::string_view text);
  /// Drops message (c, seq) from the index (a delete); nothing happens when it is not there.
  status remove(conversation_id c, seq_t seq);
  /// Empties the index and rebuilds it from the log (migration 0004 runs it once).
  status rebuild();

 private:
  database& db_;
};

namespace detail {
/// For event_store::append, inside its transaction (throws SOCI errors like the rest of it):
/// indexes the batch's message events; events that change or delete a message update it.
void index_events(database& db, std::span<const event> batch);
/// Empties the index and replays the whole log into it (no transaction of its own).
void rebuild_search_index(database& db);
}  // namespace detail

}  // namespace chat::persistence
