#include "protocol/serializer.hpp"

#include "protocol/wire.hpp"

#include <charconv>
#include <cstdint>
#include <type_traits>

namespace chat::protocol {
namespace {

namespace field = wire::field;
namespace frame_type = wire::frame_type;
namespace request_type = wire::request_type;

constexpr char hex_digits[] = "0123456789abcdef";

void append_u_escape(std::string& out, unsigned v) {
  out += "\\u";
  out += hex_digits[(v >> 12) & 0xF];
  out += hex_digits[(v >> 8) & 0xF];
  out += hex_digits[(v >> 4) & 0xF];
  out += hex_digits[v & 0xF];
}

/// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is not valid (overlong,
/// surrogate, above U+10FFFF, truncated).
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  const auto at = [&](std::size_t k) -> unsigned {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u;
  };
  const auto cont = [](unsigned b) { return (b & 0xC0u) == 0x80u; };
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(at(1)) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    const unsigned b1 = at(1);
    if (!cont(b1) || !cont(at(2))) return 0;
    if (b0 == 0xE0 && b1 < 0xA0) return 0;   // overlong
    if (b0 == 0xED && b1 >= 0xA0) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    const unsigned b1 = at(1);
    if (!cont(b1) || !cont(at(2)) || !cont(at(3))) return 0;
    if (b0 == 0xF0 && b1 < 0x90) return 0;   // overlong
    if (b0 == 0xF4 && b1 >= 0x90) return 0;  // above U+10FFFF
    return 4;
  }
  return 0;
}

template <class Int>
void append_int(std::string& out, Int v) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  (void)ec;  // 24 bytes always fit a 64-bit integer
  out.append(buf, end);
}

/// Small writer that keeps track of commas so each frame reads like its wire layout.
class writer {
 public:
  explicit writer(std::string& out) : out_(out) {}
  void begin_object() {
    value_prefix();
    out_ += '{';
    first_ = true;
  }
  void end_object() {
    out_ += '}';
    first_ = false;
  }
  void begin_array() {
    value_prefix();
    out_ += '[';
    first_ = true;
  }
  void end_array() {
    out_ += ']';
    first_ = false;
  }
  void key(std::string_view k) {
    if (!first_) out_ += ',';
    out_ += '"';
    out_ += k;  // keys are our own ASCII identifiers
    out_ += "\":";
    after_key_ = true;
  }
  void string(std::string_view s) {
    value_prefix();
    append_json_string(out_, s);
  }
  template <class Int>
  void integer(Int v) {
    value_prefix();
    append_int(out_, v);
  }
  void boolean(bool b) {
    value_prefix();
    out_ += b ? "true" : "false";
  }

  // key + value shorthands
  void field(std::string_view k, std::string_view s) {
    key(k);
    string(s);
  }
  void field(std::string_view k, const std::string& s) { field(k, std::string_view{s}); }
  void field(std::string_view k, const char* s) { field(k, std::string_view{s}); }
  void field(std::string_view k, std::int64_t v) {
    key(k);
    integer(v);
  }
  void field(std::string_view k, int v) {
    key(k);
    integer(v);
  }
  void field(std::string_view k, bool b) {
    key(k);
    boolean(b);
  }

 private:
  void value_prefix() {
    if (after_key_) {
      after_key_ = false;
    } else if (!first_) {
      out_ += ',';
    }
    first_ = false;
  }
  std::string& out_;
  bool first_ = true;
  bool after_key_ = false;
};

void write_user(writer& w, const user_ref& u) {
  w.begin_object();
  w.field(field::id, u.id);
  w.field(field::username, u.username);
  // A profile's fields, only when set (other users look as in v1's first release).
  if (!u.avatar_color.empty()) w.field(field::avatar_color, u.avatar_color);
  if (!u.avatar.empty()) w.field(field::avatar, u.avatar);
  w.end_object();
}

void write_attachments(writer& w, const std::vector<attachment_info>& list) {
  w.begin_array();
  for (const auto& a : list) {
    w.begin_object();
    w.field(field::id, a.id);
    w.field(field::name, a.name);
    w.field(field::content_type, a.content_type);
    w.field(field::size, a.size);
    w.field(field::thumbnail, a.thumbnail);
    w.field(field::width, a.width);
    w.field(field::height, a.height);
    w.end_object();
  }
  w.end_array();
}

/// Event fields without the frame's "type" (shared by the event frame and nested events).
void write_event_fields(writer& w, const event_frame& e) {
  w.field(field::conversation, e.conversation);
  w.field(field::seq, e.seq);
  w.field(field::event_id, e.event_id);
  w.field(field::kind, e.type);  // "type" is the frame discriminator on the wire
  w.key(field::sender);
  write_user(w, e.sender);
  w.field(field::client_msg_id, e.client_msg_id);
  if (e.subject) {
    w.key(field::subject);
    write_user(w, *e.subject);
  }
  w.field(field::body, e.body);
  w.field(field::ts, e.ts);
  // Issue 11's fields: written only when they say something, so v1 events look as before.
  if (e.target) w.field(field::target, *e.target);
  if (e.reply_to) w.field(field::reply_to, *e.reply_to);
  if (!e.mentions.empty()) {
    w.key(field::mentions);
    w.begin_array();
    for (const auto& u : e.mentions) write_user(w, u);
    w.end_array();
  }
  if (!e.emoji.empty()) w.field(field::emoji, e.emoji);
  if (!e.role.empty()) w.field(field::role, e.role);
  if (e.edited_ts) w.field(field::edited_ts, *e.edited_ts);
  if (e.deleted) w.field(field::deleted, true);
  if (!e.reactions.empty()) {
    w.key(field::reactions);
    w.begin_array();
    for (const auto& r : e.reactions) {
      w.begin_object();
      w.field(field::emoji, r.emoji);
      w.field(field::count, r.count);
      w.key(field::users);
      w.begin_array();
      for (const auto& u : r.users) write_user(w, u);
      w.end_array();
      w.end_object();
    }
    w.end_array();
  }
  if (!e.attachments.empty()) {
    w.key(field::attachments);
    write_attachments(w, e.attachments);
  }
}

void write_event(writer& w, const event_frame& e) {
  w.begin_object();
  write_event_fields(w, e);
  w.end_object();
}

void write_positions(writer& w, const std::vector<sync_position>& ps) {
  w.key(field::positions);
  w.begin_array();
  for (const auto& p : ps) {
    w.begin_object();
    w.field(field::conversation, p.conversation);
    w.field(field::last_seq, p.last_seq);
    w.end_object();
  }
  w.end_array();
}

void write_conversation(writer& w, const conversation_info& c) {
  w.begin_object();
  w.field(field::id, c.id);
  w.field(field::kind, c.kind);
  w.field(field::title, c.title);
  w.key(field::members);
  w.begin_array();
  for (const auto& m : c.members) write_user(w, m);
  w.end_array();
  w.field(field::last_seq, c.last_seq);
  if (c.last_event) {
    w.key(field::last_event);
    write_event(w, *c.last_event);
  }
  w.field(field::read_seq, c.read_seq);
  if (c.unread) w.field(field::unread, *c.unread);
  // Issue 11's fields, only when set (a direct conversation looks as in v1's first release).
  if (!c.description.empty()) w.field(field::description, c.description);
  if (!c.avatar_color.empty()) w.field(field::avatar_color, c.avatar_color);
  if (c.owner != 0) w.field(field::owner, c.owner);
  if (!c.admins.empty()) {
    w.key(field::admins);
    w.begin_array();
    for (auto a : c.admins) w.integer(a);
    w.end_array();
  }
  if (c.unread_mentions) w.field(field::unread_mentions, *c.unread_mentions);
  if (!c.avatar.empty()) w.field(field::avatar, c.avatar);
  w.end_object();
}

struct frame_writer {
  writer& w;

  void operator()(const welcome_frame& f) {
    w.field(field::type, frame_type::welcome);
    w.field(field::ref, f.ref);
    w.field(field::version, f.version);
    w.key(field::user);
    write_user(w, f.user);
    w.field(field::session_expires, f.session_expires);
  }
  void operator()(const ack_frame& f) {
    w.field(field::type, frame_type::ack);
    w.field(field::ref, f.ref);
    w.field(field::conversation, f.conversation);
    w.field(field::client_msg_id, f.client_msg_id);
    w.field(field::seq, f.seq);
    w.field(field::ts, f.ts);
    w.field(field::duplicate, f.duplicate);
  }
  void operator()(const event_frame& f) {
    w.field(field::type, frame_type::event);
    write_event_fields(w, f);
  }
  void operator()(const history_frame& f) {
    w.field(field::type, frame_type::history);
    w.field(field::ref, f.ref);
    w.field(field::conversation, f.conversation);
    w.key(field::events);
    w.begin_array();
    for (const auto& e : f.events) write_event(w, e);
    w.end_array();
    w.field(field::has_more, f.has_more);
  }
  void operator()(const sync_done_frame& f) {
    w.field(field::type, frame_type::sync_done);
    w.field(field::ref, f.ref);
    write_positions(w, f.positions);
  }
  void operator()(const conversation_frame& f) {
    w.field(field::type, frame_type::conversation);
    w.field(field::ref, f.ref);
    w.key(field::conversation);
    write_conversation(w, f.conversation);
  }
  void operator()(const conversations_frame& f) {
    w.field(field::type, frame_type::conversations);
    w.field(field::ref, f.ref);
    w.key(field::conversations);
    w.begin_array();
    for (const auto& c : f.conversations) write_conversation(w, c);
    w.end_array();
    if (f.next_cursor) w.field(field::next_cursor, *f.next_cursor);
  }
  void operator()(const users_frame& f) {
    w.field(field::type, frame_type::users);
    w.field(field::ref, f.ref);
    w.key(field::users);
    w.begin_array();
    for (const auto& u : f.users) write_user(w, u);
    w.end_array();
  }
  void operator()(const typing_frame& f) {
    w.field(field::type, frame_type::typing);
    w.field(field::conversation, f.conversation);
    w.key(field::user);
    write_user(w, f.user);
  }
  void operator()(const read_frame& f) {
    w.field(field::type, frame_type::read);
    w.field(field::conversation, f.conversation);
    w.key(field::user);
    write_user(w, f.user);
    w.field(field::seq, f.seq);
  }
  void operator()(const profile_frame& f) {
    w.field(field::type, frame_type::profile);
    w.key(field::user);
    write_user(w, f.user);
  }
  void operator()(const presence_frame& f) {
    w.field(field::type, frame_type::presence);
    w.key(field::user);
    write_user(w, f.user);
    w.field(field::online, f.online);
  }
  void operator()(const ok_frame& f) {
    w.field(field::type, frame_type::ok);
    w.field(field::ref, f.ref);
  }
  void operator()(const pong_frame& f) {
    w.field(field::type, frame_type::pong);
    w.field(field::ref, f.ref);
  }
  void operator()(const search_results_frame& f) {
    w.field(field::type, frame_type::search_results);
    w.field(field::ref, f.ref);
    w.key(field::hits);
    w.begin_array();
    for (const auto& h : f.hits) {
      w.begin_object();
      w.field(field::conversation, h.conversation);
      w.field(field::seq, h.seq);
      w.key(field::sender);
      write_user(w, h.sender);
      w.field(field::ts, h.ts);
      w.field(field::excerpt, h.excerpt);
      w.end_object();
    }
    w.end_array();
    if (f.next_cursor) w.field(field::next_cursor, *f.next_cursor);
  }
  void operator()(const error_frame& f) {
    w.field(field::type, frame_type::error);
    w.field(field::code, to_string(f.code));
    w.field(field::message, f.message);
    // Errors about frames whose id could not be read name no request.
    if (!f.ref.empty()) w.field(field::ref, f.ref);
  }
};

struct request_writer {
  writer& w;

  void operator()(const hello_req& r) {
    w.field(field::type, request_type::hello);
    w.field(field::id, r.id);
    w.field(field::version, r.version);
    if (r.token) w.field(field::token, *r.token);
  }
  void operator()(const send_req& r) {
    w.field(field::type, request_type::send);
    w.field(field::id, r.id);
    w.field(field::conversation, r.conversation);
    w.field(field::client_msg_id, r.client_msg_id);
    w.field(field::body, r.body);
    if (r.reply_to) w.field(field::reply_to, *r.reply_to);
    if (!r.attachments.empty()) {
      w.key(field::attachments);
      w.begin_array();
      for (const auto& a : r.attachments) w.string(a);
      w.end_array();
    }
  }
  void operator()(const history_req& r) {
    w.field(field::type, request_type::history);
    w.field(field::id, r.id);
    w.field(field::conversation, r.conversation);
    if (r.before) w.field(field::before, *r.before);
    if (r.after) w.field(field::after, *r.after);
    w.field(field::limit, r.limit);
  }
  void operator()(const sync_req& r) {
    w.field(field::type, request_type::sync);
    w.field(field::id, r.id);
    write_positions(w, r.positions);
  }
  void operator()(const open_direct_req& r) {
    w.field(field::type, request_type::open_direct);
    w.field(field::id, r.id);
    w.field(field::username, r.username);
  }
  void operator()(const create_group_req& r) {
    w.field(field::type, request_type::create_group);
    w.field(field::id, r.id);
    w.field(field::title, r.title);
    w.key(field::members);
    w.begin_array();
    for (const auto& m : r.members) w.string(m);
    w.end_array();
  }
  void operator()(const add_member_req& r) {
    w.field(field::type, request_type::add_member);
    w.field(field::id, r.id);
    w.field(field::conversation, r.conversation);
    w.field(field::username, r.username);
  }
  void operator()(const remove_member_req& r) {
    w.field(field::type, request_type::remove_member);
    w.field(field::id, r.id);
    w.field(field::conversation, r.conversation);
    w.field(field::username, r.username);
  }
  void operator()(const leave_req& r) {
    w.field(field::type, request_type::leave);
    w.field(field::id, r.id);
    w.field(field::conversation, r.conversation);
  }
  void operator()(const typing_req& r) {
    w.field(field::type, request_type::typing);
    w.field(field::id, r.id);
    w.field(field::conversation, r.conversation);
  }
  void operator()(const read_req& r) {
    w.field(field::type, request_type::read);
    w.field(field::id, r.id);
    w.field(field::conversation, r.conversation);
    w.field(field::seq, r.seq);
  }
  void operator()(const list_conversations_req& r) {
    w.field(field::type, request_type::list_conversations);
    w.field(field::id, r.id);
    w.field(field::limit, r.limit);
    if (r.cursor) w.field(field::cursor, *r.cursor);
  }
  void operator()(const search_users_req& r) {
    w.field(field::type, request_type::search_users);
    w.field(field::id, r.id);
    w.field(field::prefix, r.prefix);
    w.field(field::limit, r.limit);
  }
  void operator()(const search_req& r) {
    w.field(field::type, request_type::search);
    w.field(field::id, r.id);
    w.field(field::query, r.query);
    if (r.cursor) w.field(field::cursor, *r.cursor);
    w.field(field::limit, r.limit);
  }
  void operator()(const ping_req& r) {
    w.field(field::type, request_type::ping);
    w.field(field::id, r.id);
  }
  void operator()(const edit_message_req& r) {
    w.field(field::type, request_type::edit_message);
    w.field(field::id, r.id);
    w.field(field::conversation, r.conversation);
    w.field(field::client_msg_id, r.client_msg_id);
    w.field(field::target, r.target);
    w.field(field::body, r.body);
  }
  void operator()(const delete_message_req& r) {
    w.field(field::type, request_type::delete_message);
    w.field(field::id, r.id);
    w.field(field::conversation, r.conversation);
    w.field(field::client_msg_id, r.client_msg_id);
    w.field(field::target, r.target);
  }
  void operator()(const react_req& r) {
    w.field(field::type, r.remove ? request_type::unreact : request_type::react);
    w.field(field::id, r.id);
    w.field(field::conversation, r.conversation);
    w.field(field::client_msg_id, r.client_msg_id);
    w.field(field::target, r.target);
    w.field(field::emoji, r.emoji);
  }
  void operator()(const update_group_req& r) {
    w.field(field::type, request_type::update_group);
    w.field(field::id, r.id);
    w.field(field::conversation, r.conversation);
    if (r.title) w.field(field::title, *r.title);
    if (r.description) w.field(field::description, *r.description);
    if (r.avatar_color) w.field(field::avatar_color, *r.avatar_color);
    if (r.avatar) w.field(field::avatar, *r.avatar);
  }
  void operator()(const set_profile_req& r) {
    w.field(field::type, request_type::set_profile);
    w.field(field::id, r.id);
    if (r.avatar_color) w.field(field::avatar_color, *r.avatar_color);
    if (r.avatar) w.field(field::avatar, *r.avatar);
  }
  void operator()(const get_profiles_req& r) {
    w.field(field::type, request_type::get_profiles);
    w.field(field::id, r.id);
    if (r.conversation != 0) w.field(field::conversation, r.conversation);
  }
  void operator()(const set_role_req& r) {
    w.field(field::type, request_type::set_role);
    w.field(field::id, r.id);
    w.field(field::conversation, r.conversation);
    w.field(field::username, r.username);
    w.field(field::role, r.role);
  }
};

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  std::size_t i = 0;
  while (i < s.size()) {
    // Copy the longest run that needs no escaping in one go (the common case).
    std::size_t run = i;
    while (run < s.size()) {
      const auto c = static_cast<unsigned char>(s[run]);
      if (c < 0x20 || c == '"' || c == '\\' || c >= 0x80) break;
      ++run;
    }
    out.append(s.data() + i, run - i);
    i = run;
    if (i >= s.size()) break;
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          append_u_escape(out, c);
          break;
      }
      ++i;
      continue;
    }
    const std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) {
      // Invalid input bytes become U+FFFD so the output is always valid UTF-8 JSON.
      out += "\xEF\xBF\xBD";
      ++i;
      continue;
    }
    // U+2028/U+2029 are valid JSON but break JavaScript string literals: escape them.
    if (n == 3 && c == 0xE2 && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
        (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
         static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
      append_u_escape(out, static_cast<unsigned char>(s[i + 2]) == 0xA8 ? 0x2028 : 0x2029);
    } else {
      out.append(s.data() + i, n);
    }
    i += n;
  }
  out += '"';
}

std::string serialize(const server_frame& f) {
  std::string out;
  out.reserve(128);
  writer w(out);
  w.begin_object();
  std::visit(frame_writer{w}, f);
  w.end_object();
  return out;
}

std::string serialize_attachments(const std::vector<attachment_info>& list) {
  if (list.empty()) return {};
  std::string out;
  writer w(out);
  write_attachments(w, list);
  return out;
}

std::string serialize(const request& r) {
  std::string out;
  out.reserve(96);
  writer w(out);
  w.begin_object();
  std::visit(request_writer{w}, r);
  w.end_object();
  return out;
}

}  // namespace chat::protocol
