#pragma once
// Full-text search over message text (docs/protocol.md, "search"). The index is a projection of
// the log written after the commit, by the search indexer (actors/search_indexer.cpp) through
// index_ranges(): each conversation's durable watermark (`search_watermarks`, migration 0008)
// says how far it got, in the same transaction as the index rows, so a crash loses nothing:
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
  /// strictly below `below` when given, at most `limit` hits. A message deleted in the log never
  /// matches, even before the indexer has seen the delete (each hit is checked against the log);
  /// an edit replaces the old text once indexed.
  result<search_page> search(user_id u, std::string_view query,
                             std::optional<search_text::cursor> below, int limit);

  /// Indexes the message, edit and delete events of each range (read from the log) and moves
  /// the ranges' watermarks to their `upto`, all in one transaction. How many events it indexed.
  result<std::size_t> index_ranges(std::span<const seq_range> ranges);
  /// The same, with some ranges' events at hand: `known` are the message, edit and delete
  /// events of every range not in `to_read` (in seq order per conversation), so only `to_read`
  /// is read from the log. Every range of `ranges` gets its watermark.
  result<std::size_t> index_ranges(std::span<const seq_range> ranges, std::span<const event> known,
                                   std::span<const seq_range> to_read);
  /// The watermarks of these conversations (0 for one never indexed), in the same order.
  result<std::vector<seq_t>> watermarks(std::span<const conversation_id> conversations);
  /// Every conversation whose log goes past its watermark, as (conversation, watermark, last
  /// seq): where the indexer catches up on start (after a crash, what it had not indexed yet).
  result<std::vector<seq_range>> unindexed();
  /// Readies the indexer's own connection: on SQLite its commits skip the fsync (a round lost
  /// in a crash is indexed again from its watermark; the log writer's next commit syncs the WAL).
  static status prepare_indexer_connection(database& db);
  /// Indexes everything unindexed now, in rounds (tests, and tools that need a current index).
  status catch_up();

  /// Adds (or replaces) the indexed text of message (c, seq). Keeps the original sender and ts
  /// when the message is already indexed (an edit), else uses `sender` and `ts`.
  status put(conversation_id c, seq_t seq, user_id sender, std::int64_t ts, std::string_view text);
  /// Drops message (c, seq) from the index (a delete); nothing happens when it is not there.
  status remove(conversation_id c, seq_t seq);
  /// Empties the index and rebuilds it from the log, watermarks included.
  status rebuild();

 private:
  database& db_;
};

namespace detail {
/// Inside the caller's transaction (throws SOCI errors): indexes the batch's message events
/// (none indexed yet); events that change or delete a message update it.
void index_events(database& db, std::span<const event> batch);
/// Empties the index and replays the whole log into it (no transaction of its own).
void rebuild_search_index(database& db);
}  // namespace detail

}  // namespace chat::persistence
