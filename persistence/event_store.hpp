#pragma once
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "persistence/database.hpp"
#include "persistence/types.hpp"

namespace chat::persistence {

/// The append-only conversation log. Membership events (member_added / member_removed /
/// member_left, with `subject`) also update the memberships projection in the same transaction.
class event_store {
 public:
  explicit event_store(database& db) : db_(db) {}

  /// Appends the whole batch (any conversations) in one transaction: all or nothing.
  /// errc::duplicate when a (conversation, sender, client_msg_id) already exists (message names
  /// it); errc::seq_conflict when a (conversation, seq) is taken; errc::unavailable on connection
  /// loss.
  status append(std::span<const event> batch);

  /// Events with seq > after, ascending, at most limit.
  result<std::vector<event>> read_after(conversation_id c, seq_t after, int limit);
  /// Events with seq < before, returned ascending (the `limit` newest below `before`).
  result<std::vector<event>> read_before(conversation_id c, seq_t before, int limit);
  /// 0 when the conversation has no events.
  result<seq_t> last_seq(conversation_id c);
  result<std::optional<event>> find_by_client_msg_id(conversation_id c, user_id sender,
                                                     std::string_view client_msg_id);

 private:
  database& db_;
};

}  // namespace chat::persistence
