// parse_server_frame: the client side of the protocol (test clients, chat-bench, fuzzing).
// Uses simdjson's DOM API: server frames are trusted more and nest more than requests, and random
// access by key keeps this short. Never throws.
#include <fmt/format.h>
#include <simdjson.h>

#include <array>
#include <new>

#include "protocol/limits.hpp"
#include "protocol/parser.hpp"
#include "protocol/wire.hpp"

namespace chat::protocol {
namespace {
namespace dom = simdjson::dom;
namespace field = wire::field;

/// Collects the first error; readers return defaults after it.
class reader {
 public:
  std::optional<parse_error> error;

  void fail(error_code c, std::string msg) {
    if (!error) error = parse_error{c, std::move(msg), {}};
  }

  /// The field, or nullopt when absent / null.
  std::optional<dom::element> get(dom::object o, std::string_view key, bool required) {
    dom::element el;
    if (o.at_key(key).get(el) || el.is_null()) {
      if (required) fail(error_code::missing_field, fmt::format("field '{}' is required", key));
      return std::nullopt;
    }
    return el;
  }

  std::string str(dom::object o, std::string_view key, bool required = true) {
    auto el = get(o, key, required);
    if (!el) return {};
    std::string_view s;
    if (el->get_string().get(s)) {
      fail(error_code::bad_field, fmt::format("field '{}' must be a string", key));
      return {};
    }
    return std::string(s);
  }

  std::int64_t integer(dom::object o, std::string_view key, std::int64_t lo, std::int64_t hi,
                       bool required = true) {
    auto el = get(o, key, required);
    if (!el) return 0;
    return integer(*el, key, lo, hi);
  }

  std::int64_t integer(dom::element el, std::string_view key, std::int64_t lo, std::int64_t hi) {
    const auto t = el.type();
    if (t != dom::element_type::INT64 && t != dom::element_type::UINT64 &&
        t != dom::element_type::DOUBLE) {
      fail(error_code::bad_field, fmt::format("field '{}' must be an integer", key));
      return 0;
    }
    std::int64_t v = 0;
    if (t != dom::element_type::INT64 || el.get_int64().get(v) || v < lo || v > hi) {
      fail(error_code::number_out_of_range, fmt::format("field '{}' is out of range", key));
      return 0;
    }
    return v;
  }

  std::int64_t id(dom::object o, std::string_view key, bool required = true) {
    return integer(o, key, 0, limits::max_id, required);
  }

  bool boolean(dom::object o, std::string_view key, bool required = true) {
    auto el = get(o, key, required);
    if (!el) return false;
    bool b = false;
    if (el->get_bool().get(b))
      fail(error_code::bad_field, fmt::format("field '{}' must be a boolean", key));
    return b;
  }

  std::optional<dom::object> object(dom::object o, std::string_view key, bool required = true) {
    auto el = get(o, key, required);
    if (!el) return std::nullopt;
    dom::object r;
    if (el->get_object().get(r)) {
      fail(error_code::bad_field, fmt::format("field '{}' must be an object", key));
      return std::nullopt;
    }
    return r;
  }

  std::optional<dom::array> array(dom::object o, std::string_view key) {
    auto el = get(o, key, true);
    if (!el) return std::nullopt;
    dom::array r;
    if (el->get_array().get(r)) {
      fail(error_code::bad_field, fmt::format("field '{}' must be an array", key));
      return std::nullopt;
    }
    return r;
  }

  user_ref user(dom::object o) {
    user_ref u{id(o, field::id), str(o, field::username)};
    u.avatar_color = str(o, field::avatar_color, false);
    u.avatar = str(o, field::avatar, false);
    return u;
  }

  user_ref user(dom::object o, std::string_view key) {
    auto u = object(o, key);
    return u ? user(*u) : user_ref{};
  }

  /// Elements of an array that must all be objects.
  template <class F>
  void each_object(dom::object o, std::string_view key, F&& f) {
    auto arr = array(o, key);
    if (!arr) return;
    for (dom::element el : *arr) {
      dom::object eo;
      if (el.get_object().get(eo)) {
        fail(error_code::bad_field, fmt::format("entries of '{}' must be objects", key));
        return;
      }
      f(eo);
      if (error) return;
    }
  }

  event_frame event(dom::object o) {
    event_frame e;
    e.conversation = id(o, field::conversation);
    e.seq = id(o, field::seq);
    e.event_id = str(o, field::event_id);
    e.type = str(o, field::kind);
    e.sender = user(o, field::sender);
    e.client_msg_id = str(o, field::client_msg_id, false);
    if (auto s = object(o, field::subject, false)) e.subject = user(*s);
    e.body = str(o, field::body, false);
    e.ts = integer(o, field::ts, INT64_MIN, INT64_MAX);
    if (auto el = get(o, field::target, false))
      e.target = integer(*el, field::target, 1, limits::max_id);
    if (auto el = get(o, field::reply_to, false))
      e.reply_to = integer(*el, field::reply_to, 1, limits::max_id);
    if (get(o, field::mentions, false))
      each_object(o, field::mentions, [&](dom::object u) { e.mentions.push_back(user(u)); });
    e.emoji = str(o, field::emoji, false);
    e.role = str(o, field::role, false);
    if (auto el = get(o, field::edited_ts, false))
      e.edited_ts = integer(*el, field::edited_ts, INT64_MIN, INT64_MAX);
    e.deleted = boolean(o, field::deleted, false);
    if (get(o, field::reactions, false))
      each_object(o, field::reactions, [&](dom::object r) {
        reaction_info ri;
        ri.emoji = str(r, field::emoji);
        ri.count = id(r, field::count);
        each_object(r, field::users, [&](dom::object u) { ri.users.push_back(user(u)); });
        e.reactions.push_back(std::move(ri));
      });
    if (get(o, field::attachments, false))
      each_object(o, field::attachments,
                  [&](dom::object a) { e.attachments.push_back(attachment(a)); });
    return e;
  }

  attachment_info attachment(dom::object o) {
    attachment_info a;
    a.id = str(o, field::id);
    a.name = str(o, field::name);
    a.content_type = str(o, field::content_type);
    a.size = integer(o, field::size, 0, limits::max_id);
    a.thumbnail = boolean(o, field::thumbnail, false);
    a.width = static_cast<int>(integer(o, field::width, 0, INT32_MAX, false));
    a.height = static_cast<int>(integer(o, field::height, 0, INT32_MAX, false));
    return a;
  }

  std::vector<sync_position> positions(dom::object o) {
    std::vector<sync_position> out;
    each_object(o, field::positions, [&](dom::object p) {
      out.push_back({id(p, field::conversation), id(p, field::last_seq)});
    });
    return out;
  }

  conversation_info conversation(dom::object o) {
    conversation_info c;
    c.id = id(o, field::id);
    c.kind = str(o, field::kind);
    c.title = str(o, field::title, false);
    each_object(o, field::members, [&](dom::object u) { c.members.push_back(user(u)); });
    c.last_seq = id(o, field::last_seq);
    if (auto le = object(o, field::last_event, false)) c.last_event = event(*le);
    c.read_seq = id(o, field::read_seq, false);
    if (auto el = get(o, field::unread, false))
      c.unread = integer(*el, field::unread, 0, limits::max_id);
    c.description = str(o, field::description, false);
    c.avatar_color = str(o, field::avatar_color, false);
    c.avatar = str(o, field::avatar, false);
    c.owner = id(o, field::owner, false);
    if (auto el = get(o, field::admins, false)) {
      dom::array arr;
      if (el->get_array().get(arr)) {
        fail(error_code::bad_field, "field 'admins' must be an array");
      } else {
        for (dom::element a : arr) c.admins.push_back(integer(a, field::admins, 1, limits::max_id));
      }
    }
    if (auto el = get(o, field::unread_mentions, false))
      c.unread_mentions = integer(*el, field::unread_mentions, 0, limits::max_id);
    return c;
  }
};

// The frame types in server_frame's order (the switch below follows it).
constexpr std::string_view frame_names[] = {
#define CHAT_WIRE_FRAME_NAME(name) wire::frame_type::name,
    CHAT_WIRE_FRAMES(CHAT_WIRE_FRAME_NAME)
#undef CHAT_WIRE_FRAME_NAME
};

server_parse_result parse_impl(std::string_view frame) {
  if (!simdjson::validate_utf8(frame.data(), frame.size())) {
    return parse_error{error_code::invalid_utf8, "frame is not valid UTF-8", {}};
  }
  // One parser per thread keeps its buffers between frames (load generators parse many).
  thread_local dom::parser json;
  dom::element root;
  if (auto e = json.parse(frame.data(), frame.size(), true).get(root)) {
    const auto code = e == simdjson::UTF8_ERROR    ? error_code::invalid_utf8
                      : e == simdjson::DEPTH_ERROR ? error_code::too_deep
                                                   : error_code::bad_json;
    return parse_error{code, fmt::format("not valid JSON ({})", simdjson::error_message(e)), {}};
  }
  dom::object o;
  if (root.get_object().get(o)) {
    return parse_error{error_code::not_object, "frame must be a JSON object", {}};
  }
  reader r;
  const std::string type = r.str(o, field::type);
  if (r.error) return *r.error;
  std::size_t kind = std::size(frame_names);
  for (std::size_t i = 0; i < std::size(frame_names); ++i) {
    if (frame_names[i] == type) kind = i;
  }
  if (kind == std::size(frame_names)) {
    return parse_error{error_code::unknown_type, fmt::format("unknown frame type '{}'", type), {}};
  }

  server_frame out;
  switch (kind) {
    case 0: {
      welcome_frame f;
      f.ref = r.str(o, field::ref);
      f.version = static_cast<int>(r.integer(o, field::version, 0, INT32_MAX));
      f.user = r.user(o, field::user);
      f.session_expires = r.str(o, field::session_expires, false);
      out = std::move(f);
      break;
    }
    case 1: {
      ack_frame f;
      f.ref = r.str(o, field::ref);
      f.conversation = r.id(o, field::conversation);
      f.client_msg_id = r.str(o, field::client_msg_id);
      f.seq = r.id(o, field::seq);
      f.ts = r.integer(o, field::ts, INT64_MIN, INT64_MAX);
      f.duplicate = r.boolean(o, field::duplicate, false);
      out = std::move(f);
      break;
    }
    case 2:
      out = r.event(o);
      break;
    case 3: {
      history_frame f;
      f.ref = r.str(o, field::ref);
      f.conversation = r.id(o, field::conversation);
      r.each_object(o, field::events, [&](dom::object e) { f.events.push_back(r.event(e)); });
      f.has_more = r.boolean(o, field::has_more);
      out = std::move(f);
      break;
    }
    case 4: {
      sync_done_frame f;
      f.ref = r.str(o, field::ref);
      f.positions = r.positions(o);
      out = std::move(f);
      break;
    }
    case 5: {
      conversation_frame f;
      f.ref = r.str(o, field::ref);
      if (auto c = r.object(o, field::conversation)) f.conversation = r.conversation(*c);
      out = std::move(f);
      break;
    }
    case 6: {
      conversations_frame f;
      f.ref = r.str(o, field::ref);
      r.each_object(o, field::conversations,
                    [&](dom::object c) { f.conversations.push_back(r.conversation(c)); });
      if (r.get(o, field::next_cursor, false)) f.next_cursor = r.str(o, field::next_cursor);
      out = std::move(f);
      break;
    }
    case 7: {
      users_frame f;
      f.ref = r.str(o, field::ref);
      r.each_object(o, field::users, [&](dom::object u) { f.users.push_back(r.user(u)); });
      out = std::move(f);
      break;
    }
    case 8:
      out = typing_frame{r.id(o, field::conversation), r.user(o, field::user)};
      break;
    case 9: {
      read_frame f;
      f.conversation = r.id(o, field::conversation);
      f.user = r.user(o, field::user);
      f.seq = r.id(o, field::seq);
      out = std::move(f);
      break;
    }
    case 10: {
      presence_frame f;
      f.user = r.user(o, field::user);
      f.online = r.boolean(o, field::online);
      out = std::move(f);
      break;
    }
    case 11:
      out = ok_frame{r.str(o, field::ref)};
      break;
    case 12:
      out = pong_frame{r.str(o, field::ref)};
      break;
    case 13: {
      search_results_frame f;
      f.ref = r.str(o, field::ref);
      r.each_object(o, field::hits, [&](dom::object h) {
        search_hit hit;
        hit.conversation = r.id(h, field::conversation);
        hit.seq = r.id(h, field::seq);
        hit.sender = r.user(h, field::sender);
        hit.ts = r.integer(h, field::ts, INT64_MIN, INT64_MAX);
        hit.excerpt = r.str(h, field::excerpt);
        f.hits.push_back(std::move(hit));
      });
      if (r.get(o, field::next_cursor, false)) f.next_cursor = r.str(o, field::next_cursor);
      out = std::move(f);
      break;
    }
    case 15:
      out = profile_frame{r.user(o, field::user)};
      break;
    default: {
      error_frame f;
      const std::string code = r.str(o, field::code);
      if (!r.error) {
        if (auto c = error_code_from_string(code)) {
          f.code = *c;
        } else {
          r.fail(error_code::bad_field, fmt::format("unknown error code '{}'", code));
        }
      }
      f.message = r.str(o, field::message, false);
      f.ref = r.str(o, field::ref, false);
      out = std::move(f);
      break;
    }
  }
  if (r.error) return *r.error;
  return out;
}

}  // namespace

std::vector<attachment_info> parse_attachments(std::string_view json) {
  if (json.empty()) return {};
  try {
    dom::parser p;
    dom::element root;
    if (p.parse(json.data(), json.size(), true).get(root)) return {};
    dom::array arr;
    if (root.get_array().get(arr)) return {};
    reader r;
    std::vector<attachment_info> out;
    for (dom::element el : arr) {
      dom::object o;
      if (el.get_object().get(o)) return {};
      out.push_back(r.attachment(o));
    }
    if (r.error) return {};
    return out;
  } catch (...) {
    return {};
  }
}

server_parse_result parse_server_frame(std::string_view frame) {
  try {
    return parse_impl(frame);
  } catch (...) {
    return parse_error{error_code::internal, "internal parser error", {}};
  }
}

}  // namespace chat::protocol
