#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "persistence/database.hpp"
#include "persistence/types.hpp"

namespace chat::persistence {

/// What list_conversations shows of one conversation.
struct conversation_summary {
  conversation c;  ///< last_seq filled in
  seq_t read_seq = 0;
  /// Messages by others after read_seq (membership events and the user's own messages, from any
  /// device, are never unread).
  std::int64_t unread = 0;
  std::int64_t unread_mentions = 0;   ///< messages after read_seq that mention the user
  std::int64_t last_activity_ms = 0;  ///< newest event's time (creation when none): the order
  std::vector<user> members;          ///< id and username, ascending id
  std::vector<std::string> roles;     ///< members[i]'s role: "owner", "admin" or "member"
  std::optional<event> last_event;
  std::string last_sender_name, last_subject_name;  ///< of last_event ("" when none)
};

/// Where a page of summaries_of ended: the next page starts after it.
struct list_position {
  std::int64_t last_activity_ms = 0;
  conversation_id conversation = 0;
  bool operator==(const list_position&) const = default;
};

/// The opaque cursor a client gets for a position ("<last activity>.<conversation>"), and back.
std::string encode_list_position(const list_position& p);
std::optional<list_position> decode_list_position(std::string_view cursor);

/// One page of a user's conversations.
struct summary_page {
  std::vector<conversation_summary> items;
  bool more = false;  ///< conversations after the last item
};

/// Conversation rows and the memberships projection (written by event_store::append for
/// membership events; read here).
class conversation_store {
 public:
  explicit conversation_store(database& db) : db_(db) {}

  /// The direct conversation of a pair, created if missing; the same pair (either order) always
  /// gets the same id (unique key on the ordered pair), also when two callers race.
  /// `created` tells whether this call made it.
  struct direct_result {
    conversation c;
    bool created = false;
  };
  result<direct_result> get_or_create_direct(user_id a, user_id b, std::int64_t now_ms);
  result<conversation> create_group(std::string_view title, std::int64_t now_ms);
  result<std::optional<conversation>> find(conversation_id id);

  /// Current members (from the projection), ascending.
  result<std::vector<user_id>> members(conversation_id id);
  /// Current members with their role ("owner", "admin", "member"), ascending id.
  result<std::vector<std::pair<user_id, std::string>>> roles(conversation_id id);
  /// Messages after `after` that mention `u` (deleted ones never count).
  result<std::int64_t> unread_mentions(conversation_id c, user_id u, seq_t after);
  /// Conversations the user is a member of, with last_seq, most recent activity first.
  result<std::vector<conversation>> conversations_of(user_id u);
  /// The user's conversations with members, last event, read position and unread count, most
  /// recent activity first: three statements whatever the number of conversations (no query per
  /// conversation).
  result<std::vector<conversation_summary>> summaries_of(user_id u);
  /// One page of those, in the same order: at most `limit` conversations after `after` (from the
  /// start without). Still three statements: members and last events are read for the page only.
  result<summary_page> summaries_of(user_id u, std::size_t limit,
                                    std::optional<list_position> after);
  /// Everyone who shares a conversation with `u` (not `u`), ascending: one statement.
  result<std::vector<user_id>> contacts_of(user_id u);
  /// Id and username of the current members of `c` and of every sender and subject of its events
  /// after `after_seq`, ascending id: one statement.
  result<std::vector<user>> names_in(conversation_id c, seq_t after_seq);

  /// Records that `u` has read `c` up to `seq`. Monotonic: a lower seq than the stored one is
  /// ignored (devices may report out of order).
  status set_read(conversation_id c, user_id u, seq_t seq);
  /// The highest seq `u` has marked read in `c`; 0 when never set.
  result<seq_t> read_seq(conversation_id c, user_id u);

 private:
  database& db_;
};

}  // namespace chat::persistence
