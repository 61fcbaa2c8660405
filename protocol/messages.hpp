#pragma once
// Typed client requests and server frames. Actors only see these, never JSON.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "protocol/error_code.hpp"

namespace chat::protocol {

// Every type compares with == (for round-trip tests and fuzzing).

using id_t = std::int64_t;  ///< user, conversation and seq numbers (<= 2^53-1)

// ---- client -> server requests. `id` is the client's request id (string, 1..64 bytes). ----
struct hello_req {
  std::string id;
  int version = 0;
  std::optional<std::string> token;
  bool operator==(const hello_req&) const = default;
};
struct send_req {
  std::string id;
  id_t conversation = 0;
  std::string client_msg_id;
  std::string body;
  bool operator==(const send_req&) const = default;
};
/// Exactly one of before/after; neither = newest page.
struct history_req {
  std::string id;
  id_t conversation = 0;
  std::optional<id_t> before;
  std::optional<id_t> after;
  int limit = 50;
  bool operator==(const history_req&) const = default;
};
struct sync_position {
  id_t conversation = 0;
  id_t last_seq = 0;
  bool operator==(const sync_position&) const = default;
};
struct sync_req {
  std::string id;
  std::vector<sync_position> positions;
  bool operator==(const sync_req&) const = default;
};
struct open_direct_req {
  std::string id;
  std::string username;
  bool operator==(const open_direct_req&) const = default;
};
struct create_group_req {
  std::string id;
  std::string title;
  std::vector<std::string> members;
  bool operator==(const create_group_req&) const = default;
};
struct add_member_req {
  std::string id;
  id_t conversation = 0;
  std::string username;
  bool operator==(const add_member_req&) const = default;
};
struct remove_member_req {
  std::string id;
  id_t conversation = 0;
  std::string username;
  bool operator==(const remove_member_req&) const = default;
};
struct leave_req {
  std::string id;
  id_t conversation = 0;
  bool operator==(const leave_req&) const = default;
};
struct typing_req {
  std::string id;
  id_t conversation = 0;
  bool operator==(const typing_req&) const = default;
};
struct read_req {
  std::string id;
  id_t conversation = 0;
  id_t seq = 0;
  bool operator==(const read_req&) const = default;
};
struct list_conversations_req {
  std::string id;
  bool operator==(const list_conversations_req&) const = default;
};
struct search_users_req {
  std::string id;
  std::string prefix;
  int limit = 20;
  bool operator==(const search_users_req&) const = default;
};
/// Full-text search over the messages of your conversations (docs/protocol.md, "search").
struct search_req {
  std::string id;
  std::string query;                  ///< 1..100 characters, not blank
  std::optional<std::string> cursor;  ///< a previous reply's next_cursor: continue below it
  int limit = 20;                     ///< hits per page, 1..max_search_limit
  bool operator==(const search_req&) const = default;
};
struct ping_req {
  std::string id;
  bool operator==(const ping_req&) const = default;
};

using request =
    std::variant<hello_req, send_req, history_req, sync_req, open_direct_req, create_group_req,
                 add_member_req, remove_member_req, leave_req, typing_req, read_req,
                 list_conversations_req, search_users_req, search_req, ping_req>;

// ---- server -> client frames ----
struct user_ref {
  id_t id = 0;
  std::string username;
  bool operator==(const user_ref&) const = default;
};
struct welcome_frame {
  std::string ref;
  int version = 0;
  user_ref user;
  std::string session_expires;
  bool operator==(const welcome_frame&) const = default;
};
struct ack_frame {
  std::string ref;
  id_t conversation = 0;
  std::string client_msg_id;
  id_t seq = 0;
  std::int64_t ts = 0;
  bool duplicate = false;
  bool operator==(const ack_frame&) const = default;
};
/// One log event as clients see it. `type` is message / created / member_added / member_removed /
/// member_left; `body` is the text for messages; `subject` is the user a membership event concerns.
/// On the wire `type` is written as "kind" ("type" is the frame discriminator).
struct event_frame {
  id_t conversation = 0;
  id_t seq = 0;
  std::string event_id;
  std::string type;
  user_ref sender;
  std::string client_msg_id;
  std::optional<user_ref> subject;
  std::string body;
  std::int64_t ts = 0;  ///< unix ms
  bool operator==(const event_frame&) const = default;
};
struct history_frame {
  std::string ref;
  id_t conversation = 0;
  std::vector<event_frame> events;
  bool has_more = false;
  bool operator==(const history_frame&) const = default;
};
/// Reply to sync after the gap events were sent: per conversation the seq now reached.
struct sync_done_frame {
  std::string ref;
  std::vector<sync_position> positions;
  bool operator==(const sync_done_frame&) const = default;
};
struct conversation_info {
  id_t id = 0;
  std::string kind;  ///< "direct" | "group"
  std::string title;
  std::vector<user_ref> members;
  id_t last_seq = 0;
  std::optional<event_frame> last_event;
  id_t read_seq = 0;
  /// Messages from others after read_seq (list_conversations only; absent in other replies).
  std::optional<id_t> unread;
  bool operator==(const conversation_info&) const = default;
};
struct conversation_frame {
  std::string ref;
  conversation_info conversation;
  bool operator==(const conversation_frame&) const = default;
};  ///< reply to open_direct / create_group / add / remove
struct conversations_frame {
  std::string ref;
  std::vector<conversation_info> conversations;
  bool operator==(const conversations_frame&) const = default;
};
struct users_frame {
  std::string ref;
  std::vector<user_ref> users;
  bool operator==(const users_frame&) const = default;
};
/// One message that matched a search: enough to open the conversation at that seq.
struct search_hit {
  id_t conversation = 0;
  id_t seq = 0;
  user_ref sender;
  std::int64_t ts = 0;
  std::string excerpt;  ///< the message text around the match (at most ~120 characters)
  bool operator==(const search_hit&) const = default;
};
struct search_results_frame {
  std::string ref;
  std::vector<search_hit> hits;            ///< newest first
  std::optional<std::string> next_cursor;  ///< absent: no older hits
  bool operator==(const search_results_frame&) const = default;
};
struct typing_frame {
  id_t conversation = 0;
  user_ref user;
  bool operator==(const typing_frame&) const = default;
};
struct read_frame {
  id_t conversation = 0;
  user_ref user;
  id_t seq = 0;
  bool operator==(const read_frame&) const = default;
};
struct presence_frame {
  user_ref user;
  bool online = false;
  bool operator==(const presence_frame&) const = default;
};
struct ok_frame {
  std::string ref;
  bool operator==(const ok_frame&) const = default;
};  ///< generic success (leave, typing, read)
struct pong_frame {
  std::string ref;
  bool operator==(const pong_frame&) const = default;
};
struct error_frame {
  error_code code = error_code::internal;
  std::string message;
  std::string ref;
  bool operator==(const error_frame&) const = default;
};

using server_frame =
    std::variant<welcome_frame, ack_frame, event_frame, history_frame, sync_done_frame,
                 conversation_frame, conversations_frame, users_frame, typing_frame, read_frame,
                 presence_frame, ok_frame, pong_frame, search_results_frame, error_frame>;

}  // namespace chat::protocol
