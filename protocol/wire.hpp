#pragma once
// The one description of wire protocol v1's names (docs/protocol.md): every field name, every
// frame and request type, and which fields each carries. The serializer, both parsers and the
// fixture protocol/fixture.json (read by the web client's tests, and by any client) are driven
// from here, so a renamed field changes all of them at once; the spec test checks the spec's
// examples against the same tables.
#include <span>
#include <string_view>

namespace chat::protocol::wire {

// Every field name on the wire, once. X(name): the wire spelling is the identifier.
// clang-format off
#define CHAT_WIRE_FIELDS(X) \
  X(type) X(id) X(ref) X(version) X(token) X(user) X(username) X(session_expires) \
  X(conversation) X(conversations) X(client_msg_id) X(body) X(seq) X(ts) X(duplicate) X(event_id) \
  X(kind) X(sender) X(subject) X(events) X(has_more) X(positions) X(last_seq) X(title) \
  X(members) X(last_event) X(read_seq) X(users) X(online) X(code) X(message) X(before) \
  X(after) X(limit) X(prefix) X(unread) X(query) X(cursor) X(hits) X(next_cursor) X(excerpt) \
  X(target) X(reply_to) X(mentions) X(emoji) X(role) X(edited_ts) X(deleted) X(reactions) \
  X(count) X(description) X(avatar_color) X(owner) X(admins) X(unread_mentions) \
  X(attachments) X(name) X(content_type) X(size) X(thumbnail) X(width) X(height) X(avatar)
// clang-format on

namespace field {
#define CHAT_WIRE_FIELD(name) inline constexpr std::string_view name = #name;
CHAT_WIRE_FIELDS(CHAT_WIRE_FIELD)
#undef CHAT_WIRE_FIELD
}  // namespace field

// Server frame types (the "type" of a frame the server sends), in server_frame's order.
// clang-format off
#define CHAT_WIRE_FRAMES(X) \
  X(welcome) X(ack) X(event) X(history) X(sync_done) X(conversation) X(conversations) \
  X(users) X(typing) X(read) X(presence) X(ok) X(pong) X(search_results) X(error) X(profile)
// clang-format on

namespace frame_type {
#define CHAT_WIRE_FRAME(name) inline constexpr std::string_view name = #name;
CHAT_WIRE_FRAMES(CHAT_WIRE_FRAME)
#undef CHAT_WIRE_FRAME
}  // namespace frame_type

// Request types (the "type" of a frame a client sends), in request's order.
// clang-format off
#define CHAT_WIRE_REQUESTS(X) \
  X(hello) X(send) X(history) X(sync) X(open_direct) \
  X(create_group) X(add_member) X(remove_member) X(leave) X(typing) \
  X(read) X(list_conversations) X(search_users) X(search) X(ping) X(edit_message) \
  X(delete_message) X(react) X(unreact) X(update_group) X(set_role) X(set_profile) \
  X(get_profiles)
// clang-format on

namespace request_type {
#define CHAT_WIRE_REQUEST(name) inline constexpr std::string_view name = #name;
CHAT_WIRE_REQUESTS(CHAT_WIRE_REQUEST)
#undef CHAT_WIRE_REQUEST
}  // namespace request_type

/// A frame, request or nested object and the fields it may carry, in wire order.
struct shape {
  std::string_view name;
  std::span<const std::string_view> fields;
};

namespace detail {
using namespace field;
// Nested objects.
// avatar_color and avatar: a profile (issue 11); absent from other users.
inline constexpr std::string_view user_fields[] = {id, username, avatar_color, avatar};
inline constexpr std::string_view position_fields[] = {conversation, last_seq};
// Fields from `target` on are additions of issue 11 (edit, delete, reactions, replies, mentions,
// roles, attachments); old clients ignore them.
inline constexpr std::string_view event_fields[] = {
    conversation, seq,  event_id,  kind,    sender,    client_msg_id,
    subject,      body, ts,        target,  reply_to,  mentions,
    emoji,        role, edited_ts, deleted, reactions, attachments};
inline constexpr std::string_view reaction_fields[] = {emoji, count, users};
inline constexpr std::string_view attachment_fields[] = {id,        name,  content_type, size,
                                                         thumbnail, width, height};
inline constexpr std::string_view hit_fields[] = {conversation, seq, sender, ts, excerpt};
inline constexpr std::string_view conversation_fields[] = {
    id,     kind,        title,        members, last_seq, last_event,      read_seq,
    unread, description, avatar_color, owner,   admins,   unread_mentions, avatar};
// Server frames.
inline constexpr std::string_view welcome_fields[] = {type, ref, version, user, session_expires};
inline constexpr std::string_view ack_fields[] = {type, ref, conversation, client_msg_id,
                                                  seq,  ts,  duplicate};
inline constexpr std::string_view event_frame_fields[] = {
    type,    conversation, seq,     event_id,  kind,       sender,   client_msg_id,
    subject, body,         ts,      target,    reply_to,   mentions, emoji,
    role,    edited_ts,    deleted, reactions, attachments};
inline constexpr std::string_view history_fields[] = {type, ref, conversation, events, has_more};
inline constexpr std::string_view sync_done_fields[] = {type, ref, positions};
inline constexpr std::string_view conversation_frame_fields[] = {type, ref, conversation};
inline constexpr std::string_view conversations_fields[] = {type, ref, conversations, next_cursor};
inline constexpr std::string_view users_fields[] = {type, ref, users};
inline constexpr std::string_view typing_fields[] = {type, conversation, user};
inline constexpr std::string_view read_fields[] = {type, conversation, user, seq};
inline constexpr std::string_view presence_fields[] = {type, user, online};
inline constexpr std::string_view ref_only_fields[] = {type, ref};
inline constexpr std::string_view search_results_fields[] = {type, ref, hits, next_cursor};
inline constexpr std::string_view error_fields[] = {type, code, message, ref};
inline constexpr std::string_view profile_fields[] = {type, user};
// Requests.
inline constexpr std::string_view hello_fields[] = {type, id, version, token};
inline constexpr std::string_view send_fields[] = {type, id,       conversation, client_msg_id,
                                                   body, reply_to, attachments};
inline constexpr std::string_view edit_fields[] = {type,          id,     conversation,
                                                   client_msg_id, target, body};
inline constexpr std::string_view delete_fields[] = {type, id, conversation, client_msg_id, target};
inline constexpr std::string_view react_fields[] = {type,          id,     conversation,
                                                    client_msg_id, target, emoji};
inline constexpr std::string_view update_group_fields[] = {
    type, id, conversation, title, description, avatar_color, avatar};
inline constexpr std::string_view set_profile_fields[] = {type, id, avatar_color, avatar};
inline constexpr std::string_view get_profiles_fields[] = {type, id, conversation};
inline constexpr std::string_view set_role_fields[] = {type, id, conversation, username, role};
inline constexpr std::string_view history_req_fields[] = {type,   id,    conversation,
                                                          before, after, limit};
inline constexpr std::string_view sync_fields[] = {type, id, positions};
inline constexpr std::string_view open_direct_fields[] = {type, id, username};
inline constexpr std::string_view create_group_fields[] = {type, id, title, members};
inline constexpr std::string_view member_fields[] = {type, id, conversation, username};
inline constexpr std::string_view conversation_req_fields[] = {type, id, conversation};
inline constexpr std::string_view read_req_fields[] = {type, id, conversation, seq};
inline constexpr std::string_view id_only_fields[] = {type, id};
inline constexpr std::string_view search_fields[] = {type, id, prefix, limit};
inline constexpr std::string_view search_messages_fields[] = {type, id, query, cursor, limit};
inline constexpr std::string_view list_fields[] = {type, id, limit, cursor};
}  // namespace detail

/// Objects nested in frames: user, position (sync), event, reaction, attachment, hit (search),
/// conversation.
inline constexpr shape objects[] = {{"user", detail::user_fields},
                                    {"position", detail::position_fields},
                                    {"event", detail::event_fields},
                                    {"reaction", detail::reaction_fields},
                                    {"attachment", detail::attachment_fields},
                                    {"hit", detail::hit_fields},
                                    {"conversation", detail::conversation_fields}};

/// Every server frame type with its fields (optional ones included).
inline constexpr shape server_frames[] = {
    {frame_type::welcome, detail::welcome_fields},
    {frame_type::ack, detail::ack_fields},
    {frame_type::event, detail::event_frame_fields},
    {frame_type::history, detail::history_fields},
    {frame_type::sync_done, detail::sync_done_fields},
    {frame_type::conversation, detail::conversation_frame_fields},
    {frame_type::conversations, detail::conversations_fields},
    {frame_type::users, detail::users_fields},
    {frame_type::typing, detail::typing_fields},
    {frame_type::read, detail::read_fields},
    {frame_type::presence, detail::presence_fields},
    {frame_type::ok, detail::ref_only_fields},
    {frame_type::pong, detail::ref_only_fields},
    {frame_type::search_results, detail::search_results_fields},
    {frame_type::error, detail::error_fields},
    {frame_type::profile, detail::profile_fields}};

/// Every request type with its fields (optional ones included).
inline constexpr shape requests[] = {{request_type::hello, detail::hello_fields},
                                     {request_type::send, detail::send_fields},
                                     {request_type::history, detail::history_req_fields},
                                     {request_type::sync, detail::sync_fields},
                                     {request_type::open_direct, detail::open_direct_fields},
                                     {request_type::create_group, detail::create_group_fields},
                                     {request_type::add_member, detail::member_fields},
                                     {request_type::remove_member, detail::member_fields},
                                     {request_type::leave, detail::conversation_req_fields},
                                     {request_type::typing, detail::conversation_req_fields},
                                     {request_type::read, detail::read_req_fields},
                                     {request_type::list_conversations, detail::list_fields},
                                     {request_type::search_users, detail::search_fields},
                                     {request_type::search, detail::search_messages_fields},
                                     {request_type::ping, detail::id_only_fields},

                                     {request_type::edit_message, detail::edit_fields},
                                     {request_type::delete_message, detail::delete_fields},
                                     {request_type::react, detail::react_fields},
                                     {request_type::unreact, detail::react_fields},
                                     {request_type::update_group, detail::update_group_fields},
                                     {request_type::set_role, detail::set_role_fields},
                                     {request_type::set_profile, detail::set_profile_fields},
                                     {request_type::get_profiles, detail::get_profiles_fields}};

}  // namespace chat::protocol::wire
