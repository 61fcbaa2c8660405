#pragma once
// Plain rows shared by the stores. No SOCI types leak out of persistence/.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace chat::persistence {

using user_id = std::int64_t;
using conversation_id = std::int64_t;
using seq_t = std::int64_t;

/// Seqs (after, upto] of one conversation (the search indexer's rounds: after is its watermark).
struct seq_range {
  conversation_id conversation = 0;
  seq_t after = 0;
  seq_t upto = 0;
  bool operator==(const seq_range&) const = default;
};

/// One entry of the append-only conversation log (table conversation_events).
struct event {
  conversation_id conversation = 0;
  seq_t seq = 0;
  std::string event_id;  ///< 32 hex chars, random, globally unique
  std::string type;  ///< "message", "created", "member_added", "member_removed", "member_left", ...
  user_id sender = 0;  ///< who caused it
  std::string
      client_msg_id;    ///< sender's idempotency key; empty for server-made events (stored NULL)
  user_id subject = 0;  ///< the user a membership event concerns (0 when none)
  std::string payload;  ///< the message body, or the value an event sets (kinds.hpp)
  std::int64_t created_at_ms = 0;  ///< unix epoch milliseconds
  seq_t target = 0;                ///< changes to a message: the message's seq (0 otherwise)
  seq_t reply_to = 0;              ///< message: the seq it quotes (0 = none)
  std::vector<user_id> mentions;   ///< message / message_edited: who it mentions
  /// A message's attachments as clients see them (JSON array written by protocol/), "" when none.
  std::string attachments{};
  /// Append only: the attachment ids the message references (rows of message_attachments, which
  /// say who may fetch them). Not read back.
  std::vector<std::string> attachment_ids{};
};

/// A conversation last active at `at_ms` (memberships.last_activity: the conversation list's
/// order).
struct activity {
  conversation_id conversation = 0;
  std::int64_t at_ms = 0;
  bool operator==(const activity&) const = default;
};

struct user {
  user_id id = 0;
  std::string username;  ///< as chosen; uniqueness is on the lower-cased form
  std::int64_t created_at_ms = 0;
  std::int64_t disabled_at_ms = 0;  ///< when an operator disabled the account; 0 = enabled
  bool disabled() const noexcept { return disabled_at_ms != 0; }
};

struct session {
  std::string token_hash;  ///< hex SHA-256 of the random token; the token itself is never stored
  user_id user = 0;
  std::int64_t created_at_ms = 0;
  std::int64_t expires_at_ms = 0;
  std::int64_t last_seen_ms = 0;
  std::string user_agent;
};

enum class conversation_kind { direct, group };

struct conversation {
  conversation_id id = 0;
  conversation_kind kind = conversation_kind::group;
  std::string title;  ///< empty for direct conversations
  std::string description;
  std::string avatar_color;  ///< "#rrggbb" or ""
  std::string avatar;        ///< avatar image id or ""
  std::int64_t created_at_ms = 0;
  seq_t last_seq = 0;  ///< filled by list queries (MAX(seq) of the log)
};

}  // namespace chat::persistence
