#pragma once
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "persistence/database.hpp"
#include "persistence/types.hpp"

namespace chat::persistence {

/// The append-only conversation log. Membership events (member_added / member_removed /
/// member_left, with `subject`) also update the memberships projection in the same transaction,
/// and so do the projections of persistence/kinds.hpp (roles, the conversation row, mentions).
/// The one write to an existing row: message_deleted blanks the text of the message it names and
/// of that message's edits (docs/protocol.md, "Deleting"). The search index is not written here:
/// it follows the log after the commit (message_search::index_ranges, the search indexer).
class event_store {
 public:
  explicit event_store(database& db) : db_(db) {}

  /// Appends the whole batch (any conversations) in one transaction: all or nothing.
  /// errc::duplicate when a (conversation, sender, client_msg_id) already exists (message names
  /// it); errc::seq_conflict when a (conversation, seq) is taken; errc::unavailable on connection
  /// loss.
  status append(std::span<const event> batch);
  /// The same, writing the activity times `touched` (the conversation list's order) instead of
  /// every conversation of the batch at its newest event (the log writer spaces these writes out,
  /// actors/activity_writes.hpp).
  status append(std::span<const event> batch, std::span<const activity> touched);
  /// Writes these activity times in their own transaction.
  status touch(std::span<const activity> touched);

  /// Events with seq > after, ascending, at most limit.
  result<std::vector<event>> read_after(conversation_id c, seq_t after, int limit);
  /// Events with seq < before, returned ascending (the `limit` newest below `before`).
  result<std::vector<event>> read_before(conversation_id c, seq_t before, int limit);
  /// 0 when the conversation has no events.
  result<seq_t> last_seq(conversation_id c);
  result<std::optional<event>> find_by_client_msg_id(conversation_id c, user_id sender,
                                                     std::string_view client_msg_id);
  /// Every change (edit, delete, reaction) to the messages with seq in [lo, hi], ascending seq:
  /// what a page of history folds into its messages' current state.
  result<std::vector<event>> changes_of(conversation_id c, seq_t lo, seq_t hi);

 private:
  database& db_;
};

/// Each conversation of `batch` once, at its newest event's time, in order of first appearance
/// (what an append writes as the conversations' activity unless told otherwise).
std::vector<activity> newest_activity(std::span<const event> batch);

/// "7,9" <-> {7, 9} (the mentions column).
std::string encode_ids(const std::vector<user_id>& ids);
std::vector<user_id> decode_ids(std::string_view text);

}  // namespace chat::persistence
