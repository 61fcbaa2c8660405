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
  std::string body;                        ///< may be empty when there are attachments
  std::optional<id_t> reply_to{};          ///< seq of the message this one quotes
  std::vector<std::string> attachments{};  ///< ids from POST /api/attachments, at most 10
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
/// One page of the user's conversations, most recent activity first (docs/protocol.md).
struct list_conversations_req {
  std::string id;
  int limit = 200;                      ///< conversations per page, 1..max_list_limit
  std::optional<std::string> cursor{};  ///< a previous reply's next_cursor: continue after it
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

// Changes to a message (each a new log event that names the message's seq as `target`); the
// client_msg_id makes a retry idempotent exactly as for send, and the reply is an ack.
struct edit_message_req {
  std::string id;
  id_t conversation = 0;
  std::string client_msg_id;
  id_t target = 0;
  std::string body;
  bool operator==(const edit_message_req&) const = default;
};
struct delete_message_req {
  std::string id;
  id_t conversation = 0;
  std::string client_msg_id;
  id_t target = 0;
  bool operator==(const delete_message_req&) const = default;
};
/// react and unreact share their fields; `remove` tells them apart.
struct react_req {
  std::string id;
  id_t conversation = 0;
  std::string client_msg_id;
  id_t target = 0;
  std::string emoji;
  bool remove = false;  ///< true: the request was "unreact"
  bool operator==(const react_req&) const = default;
};
/// At least one of the three is present.
struct update_group_req {
  std::string id;
  id_t conversation = 0;
  std::optional<std::string> title{};
  std::optional<std::string> description{};
  std::optional<std::string> avatar_color{};  ///< "#rrggbb" or "" (no colour)
  std::optional<std::string> avatar{};        ///< an uploaded avatar image's id, or "" (none)
  bool operator==(const update_group_req&) const = default;
};
struct set_role_req {
  std::string id;
  id_t conversation = 0;
  std::string username;
  std::string role;  ///< "owner" | "admin" | "member"
  bool operator==(const set_role_req&) const = default;
};

/// Your own avatar: at least one of the two is present.
struct set_profile_req {
  std::string id;
  std::optional<std::string> avatar_color{};  ///< "#rrggbb" or "" (none: clients derive one)
  std::optional<std::string> avatar{};        ///< an uploaded avatar image's id, or "" (none)
  bool operator==(const set_profile_req&) const = default;
};
/// Profiles of one conversation's members (conversation > 0), or of all your contacts (0).
struct get_profiles_req {
  std::string id;
  id_t conversation = 0;
  bool operator==(const get_profiles_req&) const = default;
};

using request = std::variant<hello_req, send_req, history_req, sync_req, open_direct_req,
                             create_group_req, add_member_req, remove_member_req, leave_req,
                             typing_req, read_req, list_conversations_req, search_users_req,
                             search_req, ping_req, edit_message_req, delete_message_req, react_req,
                             update_group_req, set_role_req, set_profile_req, get_profiles_req>;

// ---- server -> client frames ----
/// A user. The avatar fields are filled only where docs/protocol.md says a user is a profile
/// (welcome, get_profiles and set_profile replies, profile pushes); elsewhere they stay empty.
struct user_ref {
  id_t id = 0;
  std::string username;
  std::string avatar_color{};  ///< "#rrggbb" or ""
  std::string avatar{};        ///< avatar image id (GET /api/avatars/<id>) or ""
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
/// One emoji on a message: how many reacted with it, and who (in the order they reacted).
struct reaction_info {
  std::string emoji;
  std::int64_t count = 0;
  std::vector<user_ref> users{};
  bool operator==(const reaction_info&) const = default;
};
/// An uploaded file as a message shows it (docs/protocol.md, "Attachments").
struct attachment_info {
  std::string id;  ///< GET /api/attachments/<id> (and /<id>/thumbnail when `thumbnail`)
  std::string name;
  std::string content_type;  ///< sniffed by the server from the bytes
  std::int64_t size = 0;     ///< bytes
  bool thumbnail = false;
  int width = 0, height = 0;  ///< of an image, 0 otherwise
  bool operator==(const attachment_info&) const = default;
};
/// One log event as clients see it. `type` is message / created / member_added / member_removed /
/// member_left / message_edited / ... (docs/protocol.md 4.1); `body` is the text for messages;
/// `subject` is the user a membership event concerns. On the wire `type` is written as "kind"
/// ("type" is the frame discriminator). A `message` carries its current state: the latest edit's
/// text, `edited_ts`, `deleted` (body "") and its reactions.
struct event_frame {
  id_t conversation = 0;
  id_t seq = 0;
  std::string event_id;
  std::string type;
  user_ref sender;
  std::string client_msg_id;
  std::optional<user_ref> subject;
  std::string body;
  std::int64_t ts = 0;             ///< unix ms
  std::optional<id_t> target{};    ///< changes to a message: the message's seq
  std::optional<id_t> reply_to{};  ///< message: the seq it quotes
  std::vector<user_ref> mentions{};
  std::string emoji{};                         ///< reaction_added / reaction_removed
  std::string role{};                          ///< member_added / role_changed: the subject's role
  std::optional<std::int64_t> edited_ts{};     ///< message: when it was last edited
  bool deleted = false;                        ///< message: deleted (body is "")
  std::vector<reaction_info> reactions{};      ///< message: its reactions now
  std::vector<attachment_info> attachments{};  ///< messages only; absent on the wire when empty
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
  std::string description{};
  std::string avatar_color{};  ///< "#rrggbb" or ""
  std::string avatar{};        ///< the group's avatar image id (GET /api/avatars/<id>) or ""
  id_t owner = 0;              ///< group owner's user id (0: direct conversation, or none)
  std::vector<id_t> admins{};  ///< admins' user ids, ascending (the owner is not listed)
  /// Messages after read_seq that mention you (list_conversations only).
  std::optional<id_t> unread_mentions{};
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
  std::optional<std::string> next_cursor;  ///< more conversations: ask again with this cursor
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
/// A user's profile changed (pushed to everyone who shares a conversation with them).
struct profile_frame {
  user_ref user;
  bool operator==(const profile_frame&) const = default;
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

using server_frame = std::variant<welcome_frame, ack_frame, event_frame, history_frame,
                                  sync_done_frame, conversation_frame, conversations_frame,
                                  users_frame, typing_frame, read_frame, presence_frame, ok_frame,
                                  pong_frame, search_results_frame, error_frame, profile_frame>;

}  // namespace chat::protocol
