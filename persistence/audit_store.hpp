#pragma once
// Whole-table reads for operators (chatctl verify, export): the log in (conversation, seq) order
// in bounded pages, and the projections it is checked against. Never used on a request path.
#include <functional>
#include <optional>
#include <vector>

#include "persistence/database.hpp"
#include "persistence/types.hpp"

namespace chat::persistence {

struct membership_row {
  conversation_id conversation = 0;
  user_id user = 0;
  seq_t joined_seq = 0;
};

struct read_position_row {
  conversation_id conversation = 0;
  user_id user = 0;
  seq_t seq = 0;
};

class audit_store {
 public:
  explicit audit_store(database& db) : db_(db) {}

  /// Calls `fn` for every event (of one conversation, or all), ordered by (conversation, seq),
  /// reading `page` rows per query; `fn` returning false stops early. Payloads are read only
  /// with `with_payload`.
  status for_each_event(std::optional<conversation_id> only, bool with_payload,
                        const std::function<bool(const event&)>& fn, int page = 1000);
  result<std::vector<membership_row>> memberships(std::optional<conversation_id> only);
  result<std::vector<read_position_row>> read_positions(std::optional<conversation_id> only);
  /// A round trip (SELECT 1): the database answers on this connection.
  status ping();
  /// Ids in the conversations table, ascending.
  result<std::vector<conversation_id>> conversation_ids(std::optional<conversation_id> only);

 private:
  database& db_;
};

}  // namespace chat::persistence
