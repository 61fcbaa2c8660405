#include "protocol/parser.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstring>
#include <new>

#include "protocol/limits.hpp"
#include "protocol/profile_rules.hpp"
#include "protocol/wire.hpp"

namespace chat::protocol {
namespace od = simdjson::ondemand;

namespace {

// ---------------------------------------------------------------------------------------------
// Small text helpers (input is already known to be valid UTF-8 where they are used).

std::size_t count_code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0u) != 0x80u;
  return n;
}

/// Whether s holds only white space (JSON white space plus the Unicode space characters that
/// render as nothing), so "   " or "\u3000" cannot be sent as a message.
bool is_blank(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    char32_t cp;
    std::size_t n;
    if (b0 < 0x80) {
      cp = b0;
      n = 1;
    } else if (b0 < 0xE0) {
      cp = ((b0 & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
      n = 2;
    } else if (b0 < 0xF0) {
      cp = ((b0 & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
      n = 3;
    } else {
      return false;  // nothing above the BMP counts as blank
    }
    if (i + n > s.size()) return false;
    const bool space = cp == 0x20 || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85 || cp == 0xA0 ||
                       cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200B) || cp == 0x2028 ||
                       cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
    if (!space) return false;
    i += n;
  }
  return true;
}

/// Whether s is valid UTF-8. Used on unescaped strings: the frame itself is validated by
/// simdjson's stage 1, so only `\u` escapes can make a string invalid here. Short strings are the
/// norm, so a scalar loop with an ASCII fast path beats a dispatched SIMD call.
bool valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  const auto cont = [&](const unsigned char* q) { return q < end && (*q & 0xC0u) == 0x80u; };
  while (p < end) {
    const unsigned b0 = *p;
    if (b0 < 0x80) {
      ++p;
      continue;
    }
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      if (!cont(p + 1)) return false;
      p += 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      if (!cont(p + 1) || !cont(p + 2)) return false;
      if (b0 == 0xE0 && p[1] < 0xA0) return false;   // overlong
      if (b0 == 0xED && p[1] >= 0xA0) return false;  // surrogate
      p += 3;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      if (!cont(p + 1) || !cont(p + 2) || !cont(p + 3)) return false;
      if (b0 == 0xF0 && p[1] < 0x90) return false;   // overlong
      if (b0 == 0xF4 && p[1] >= 0x90) return false;  // above U+10FFFF
      p += 4;
    } else {
      return false;
    }
  }
  return true;
}

bool is_json_ws(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && is_json_ws(s.back())) s.remove_suffix(1);
  return s;
}

/// Strict JSON number grammar (RFC 8259): -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_json_number(std::string_view s) {
  std::size_t i = 0;
  const auto digit = [&](std::size_t k) { return k < s.size() && s[k] >= '0' && s[k] <= '9'; };
  if (i < s.size() && s[i] == '-') ++i;
  if (!digit(i)) return false;
  if (s[i] == '0') {
    ++i;
  } else {
    while (digit(i)) ++i;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  return i == s.size();
}

/// Nesting depth of the frame, counted outside strings. Checked before parsing so that deeply
/// nested junk costs nothing and gets its own code.
std::size_t max_nesting(std::string_view s) {
  // Only these six bytes matter; a table keeps the common case to one predictable branch.
  static constexpr auto special = [] {
    std::array<bool, 256> t{};
    for (unsigned char c : {'"', '\\', '{', '[', '}', ']'}) t[c] = true;
    return t;
  }();
  std::size_t depth = 0, deepest = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (!special[static_cast<unsigned char>(c)]) continue;
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        break;
      case '{':
      case '[':
        if (++depth > deepest) deepest = depth;
        break;
      case '}':
      case ']':
        if (depth > 0) --depth;
        break;
      default:
        break;
    }
  }
  return deepest;
}

// ---------------------------------------------------------------------------------------------
// Request fields. One pass over the object fills one slot per known field name; the request
// type, read afterwards, decides which slots matter. Keys may come in any order.

enum field_id : std::uint8_t {
  f_type,
  f_id,
  f_version,
  f_token,
  f_conversation,
  f_client_msg_id,
  f_body,
  f_before,
  f_after,
  f_limit,
  f_positions,
  f_username,
  f_title,
  f_members,
  f_seq,
  f_prefix,
  f_query,
  f_cursor,
  f_reply_to,
  f_target,
  f_emoji,
  f_description,
  f_avatar_color,
  f_role,
  f_attachments,
  f_avatar,
  f_count
};

namespace field = wire::field;
constexpr std::array<std::string_view, f_count> field_names{
    field::type,        field::id,           field::version,
    field::token,       field::conversation, field::client_msg_id,
    field::body,        field::before,       field::after,
    field::limit,       field::positions,    field::username,
    field::title,       field::members,      field::seq,
    field::prefix,      field::query,        field::cursor,
    field::reply_to,    field::target,       field::emoji,
    field::description, field::avatar_color, field::role,
    field::attachments, field::avatar};

enum class shape : std::uint8_t { string, integer, positions, members, attachments };

constexpr shape shape_of(field_id f) {
  switch (f) {
    case f_version:
    case f_conversation:
    case f_before:
    case f_after:
    case f_limit:
    case f_seq:
    case f_reply_to:
    case f_target:
      return shape::integer;
    case f_positions:
      return shape::positions;
    case f_members:
      return shape::members;
    case f_attachments:
      return shape::attachments;
    default:
      return shape::string;
  }
}

int find_field(std::string_view key) {
  for (std::size_t i = 0; i < field_names.size(); ++i) {
    if (field_names[i] == key) return static_cast<int>(i);
  }
  return -1;
}

enum class slot_state : std::uint8_t { absent, ok, bad };

struct slot {
  slot_state state = slot_state::absent;
  error_code code = error_code::bad_field;
  std::string why;  // only set when bad
  std::string_view str;
  std::int64_t num = 0;
};

/// A fatal problem with the frame as a whole (not valid JSON, bad UTF-8, ...).
struct fatal {
  error_code code;
  std::string message;
};

fatal json_error(simdjson::error_code e) {
  switch (e) {
    case simdjson::UTF8_ERROR:
      return {error_code::invalid_utf8, "frame is not valid UTF-8"};
    case simdjson::DEPTH_ERROR:
      return {error_code::too_deep, "frame nests too deeply"};
    default:
      return {error_code::bad_json, fmt::format("not valid JSON ({})", simdjson::error_message(e))};
  }
}

/// Integer read from a number token: exact, or out of range (floats, exponents and anything
/// beyond int64 count as out of range, since every integer field has a documented range).
struct int_read {
  bool ok = false;
  bool grammar = true;  // false: not a JSON number at all
  std::int64_t value = 0;
};

int_read read_integer_token(std::string_view raw) {
  raw = trim_right(raw);
  int_read r;
  if (!is_json_number(raw)) {
    r.grammar = false;
    return r;
  }
  if (raw.find_first_of(".eE") != std::string_view::npos) return r;
  // 19 digits fit int64 only sometimes; from_chars reports overflow exactly.
  auto [p, ec] = std::from_chars(raw.data(), raw.data() + raw.size(), r.value);
  r.ok = ec == std::errc{} && p == raw.data() + raw.size();
  return r;
}

class request_reader {
 public:
  explicit request_reader(std::vector<std::string_view>& members_buf) : members_(members_buf) {}

  /// Fills the slots from the object; returns a fatal error if the frame is not valid JSON.
  std::optional<fatal> read(od::object obj) {
    for (auto field_r : obj) {
      od::field field;
      if (auto e = std::move(field_r).get(field)) return json_error(e);
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return json_error(e);
      if (!valid_utf8(key)) return fatal{error_code::invalid_utf8, "field name is not valid UTF-8"};
      od::value v = field.value();
      const int f = find_field(key);
      if (f < 0) {
        // Unknown fields are ignored (forward compatibility) but must still be valid JSON.
        if (auto err = validate(v)) return err;
        continue;
      }
      slot& s = slots_[f];
      if (s.state != slot_state::absent || seen_[f]) {
        return fatal{error_code::bad_field, fmt::format("field '{}' appears twice", key)};
      }
      seen_[f] = true;
      if (auto err = read_slot(static_cast<field_id>(f), v, s)) return err;
    }
    return std::nullopt;
  }

  slot& operator[](field_id f) { return slots_[f]; }
  std::vector<sync_position> positions;

 private:
  static void set_bad(slot& s, error_code c, std::string why) {
    s.state = slot_state::bad;
    s.code = c;
    s.why = std::move(why);
  }

  std::optional<fatal> read_slot(field_id f, od::value& v, slot& s) {
    od::json_type t;
    if (auto e = v.type().get(t)) return json_error(e);
    if (t == od::json_type::null) {
      // null means "absent": clients may write optional fields as null.
      return validate(v);
    }
    switch (shape_of(f)) {
      case shape::string: {
        if (t != od::json_type::string) {
          set_bad(s, error_code::bad_field, "must be a string");
          return validate(v);
        }
        std::string_view str;
        if (auto e = v.get_string().get(str)) return json_error(e);
        if (!valid_utf8(str)) return fatal{error_code::invalid_utf8, "string is not valid UTF-8"};
        s.state = slot_state::ok;
        s.str = str;
        return std::nullopt;
      }
      case shape::integer: {
        if (t != od::json_type::number) {
          set_bad(s, error_code::bad_field, "must be an integer");
          return validate(v);
        }
        std::string_view raw;
        raw = v.raw_json_token();
        const int_read r = read_integer_token(raw);
        if (!r.grammar) return fatal{error_code::bad_json, "not valid JSON (malformed number)"};
        if (!r.ok) {
          set_bad(s, error_code::number_out_of_range, "must be an integer in its documented range");
          return std::nullopt;
        }
        s.state = slot_state::ok;
        s.num = r.value;
        return std::nullopt;
      }
      case shape::positions:
        return read_positions(v, t, s);
      case shape::members:
        return read_members(v, t, s);
      case shape::attachments:
        return read_attachments(v, t, s);
    }
    return std::nullopt;
  }

  /// The array walk positions and members share: not an array is bad_field `not_array`; an
  /// element of another type than `want` is bad_field "[i] must be <want_name>" (the first problem
  /// wins, and the rest is still validated); `on_element(el, index)` reads the others and returns
  /// a fatal error or nothing. `count` gets the number of elements once the walk completes.
  template <class OnElement>
  std::optional<fatal> read_array(od::value& v, od::json_type t, slot& s, const char* not_array,
                                  od::json_type want, const char* want_name, std::size_t& count,
                                  OnElement&& on_element) {
    if (t != od::json_type::array) {
      set_bad(s, error_code::bad_field, not_array);
      return validate(v);
    }
    od::array arr;
    if (auto e = v.get_array().get(arr)) return json_error(e);
    std::size_t index = 0;
    for (auto el_r : arr) {
      od::value el;
      if (auto e = el_r.get(el)) return json_error(e);
      od::json_type et;
      if (auto e = el.type().get(et)) return json_error(e);
      if (et != want) {
        if (s.state != slot_state::bad)
          set_bad(s, error_code::bad_field, fmt::format("[{}] must be {}", index, want_name));
        if (auto err = validate(el)) return err;
      } else if (auto err = on_element(el, index)) {
        return err;
      }
      ++index;
    }
    count = index;
    return std::nullopt;
  }

  std::optional<fatal> read_positions(od::value& v, od::json_type t, slot& s) {
    positions.clear();
    std::size_t count = 0;
    auto err = read_array(
        v, t, s, "must be an array of {conversation, last_seq}", od::json_type::object, "an object",
        count, [&](od::value& el, std::size_t index) -> std::optional<fatal> {
          od::object o;
          if (auto e = el.get_object().get(o)) return json_error(e);
          std::optional<std::int64_t> conv, last;
          for (auto pf_r : o) {
            od::field pf;
            if (auto e = std::move(pf_r).get(pf)) return json_error(e);
            std::string_view key;
            if (auto e = pf.unescaped_key().get(key)) return json_error(e);
            if (!valid_utf8(key))
              return fatal{error_code::invalid_utf8, "field name is not valid UTF-8"};
            od::value pv = pf.value();
            std::optional<std::int64_t>* target = key == field::conversation ? &conv
                                                  : key == field::last_seq   ? &last
                                                                             : nullptr;
            if (target == nullptr) {
              if (auto err = validate(pv)) return err;
              continue;
            }
            od::json_type pt;
            if (auto e = pv.type().get(pt)) return json_error(e);
            if (pt != od::json_type::number) {
              if (s.state != slot_state::bad)
                set_bad(s, error_code::bad_field,
                        fmt::format("[{}].{} must be an integer", index, key));
              if (auto err = validate(pv)) return err;
              continue;
            }
            std::string_view raw;
            raw = pv.raw_json_token();
            const int_read r = read_integer_token(raw);
            if (!r.grammar) return fatal{error_code::bad_json, "not valid JSON (malformed number)"};
            const std::int64_t lo = target == &conv ? 1 : 0;
            if (!r.ok || r.value < lo || r.value > limits::max_id) {
              if (s.state != slot_state::bad)
                set_bad(
                    s, error_code::number_out_of_range,
                    fmt::format("[{}].{} must be an integer from {} to 2^53-1", index, key, lo));
              continue;
            }
            *target = r.value;
          }
          if (s.state != slot_state::bad) {
            if (!conv || !last) {
              set_bad(s, error_code::missing_field,
                      fmt::format("[{}] needs conversation and last_seq", index));
            } else if (positions.size() < limits::max_sync_entries) {
              positions.push_back({*conv, *last});
            }
          }
          return std::nullopt;
        });
    if (err) return err;  // not an array leaves the slot bad, so it never turns ok below
    if (s.state != slot_state::bad) {
      if (count > limits::max_sync_entries) {
        set_bad(s, error_code::bad_field,
                fmt::format("at most {} entries", limits::max_sync_entries));
      } else {
        s.state = slot_state::ok;
      }
    }
    return std::nullopt;
  }

  std::optional<fatal> read_attachments(od::value& v, od::json_type t, slot& s) {
    attachments.clear();
    auto err =
        read_array(v, t, s, "must be an array of attachment ids", od::json_type::string, "a string",
                   attachments_count, [&](od::value& el, std::size_t) -> std::optional<fatal> {
                     std::string_view str;
                     if (auto e = el.get_string().get(str)) return json_error(e);
                     if (!valid_utf8(str))
                       return fatal{error_code::invalid_utf8, "string is not valid UTF-8"};
                     if (attachments.size() < limits::max_attachments) attachments.push_back(str);
                     return std::nullopt;
                   });
    if (err) return err;
    if (s.state != slot_state::bad) s.state = slot_state::ok;
    return std::nullopt;
  }

  std::optional<fatal> read_members(od::value& v, od::json_type t, slot& s) {
    members_.clear();
    auto err =
        read_array(v, t, s, "must be an array of usernames", od::json_type::string, "a string",
                   members_count_, [&](od::value& el, std::size_t) -> std::optional<fatal> {
                     std::string_view str;
                     if (auto e = el.get_string().get(str)) return json_error(e);
                     if (!valid_utf8(str))
                       return fatal{error_code::invalid_utf8, "string is not valid UTF-8"};
                     if (members_.size() < limits::max_group_members) members_.push_back(str);
                     return std::nullopt;
                   });
    if (err) return err;  // not an array leaves the slot bad, so it never turns ok below
    if (s.state != slot_state::bad) s.state = slot_state::ok;
    return std::nullopt;
  }

 public:
  /// Walks any JSON value to prove it is well formed (On Demand skips values lazily otherwise).
  static std::optional<fatal> validate(od::value& v) {
    od::json_type t;
    if (auto e = v.type().get(t)) return json_error(e);
    switch (t) {
      case od::json_type::object: {
        od::object o;
        if (auto e = v.get_object().get(o)) return json_error(e);
        for (auto f_r : o) {
          od::field f;
          if (auto e = std::move(f_r).get(f)) return json_error(e);
          std::string_view key;
          if (auto e = f.unescaped_key().get(key)) return json_error(e);
          if (!valid_utf8(key))
            return fatal{error_code::invalid_utf8, "field name is not valid UTF-8"};
          od::value fv = f.value();
          if (auto err = validate(fv)) return err;
        }
        return std::nullopt;
      }
      case od::json_type::array: {
        od::array a;
        if (auto e = v.get_array().get(a)) return json_error(e);
        for (auto el_r : a) {
          od::value el;
          if (auto e = el_r.get(el)) return json_error(e);
          if (auto err = validate(el)) return err;
        }
        return std::nullopt;
      }
      case od::json_type::string: {
        std::string_view s;
        if (auto e = v.get_string().get(s)) return json_error(e);
        if (!valid_utf8(s)) return fatal{error_code::invalid_utf8, "string is not valid UTF-8"};
        return std::nullopt;
      }
      case od::json_type::number: {
        std::string_view raw;
        raw = v.raw_json_token();
        if (!is_json_number(trim_right(raw)))
          return fatal{error_code::bad_json, "not valid JSON (malformed number)"};
        return std::nullopt;
      }
      case od::json_type::boolean: {
        bool b;
        if (auto e = v.get_bool().get(b)) return json_error(e);
        return std::nullopt;
      }
      case od::json_type::null: {
        std::string_view raw;
        raw = v.raw_json_token();
        if (trim_right(raw) != "null") return fatal{error_code::bad_json, "not valid JSON"};
        return std::nullopt;
      }
    }
    return std::nullopt;
  }

  std::size_t members_count() const { return members_count_; }
  std::vector<std::string_view> attachments;
  std::size_t attachments_count = 0;

 private:
  std::array<slot, f_count> slots_{};
  std::array<bool, f_count> seen_{};
  std::vector<std::string_view>& members_;
  std::size_t members_count_ = 0;
};

// The request types in request's order (the switch below follows it).
constexpr std::array<std::string_view, 23> request_names{
#define CHAT_WIRE_REQUEST_NAME(name) wire::request_type::name,
    CHAT_WIRE_REQUESTS(CHAT_WIRE_REQUEST_NAME)
#undef CHAT_WIRE_REQUEST_NAME
};

/// Turns the filled slots into a request, checking each field the type needs.
class request_builder {
 public:
  request_builder(request_reader& r, std::string_view id) : r_(r), id_(id) {}

  std::optional<parse_error> error;

  std::string str(field_id f, std::size_t max_bytes, bool required = true) {
    slot& s = r_[f];
    if (!check(f, required)) return {};
    if (s.state != slot_state::ok) return {};
    if (s.str.empty() || s.str.size() > max_bytes) {
      fail(error_code::bad_field, f, fmt::format("must be 1 to {} bytes", max_bytes));
      return {};
    }
    return std::string(s.str);
  }

  std::optional<std::string> opt_str(field_id f, std::size_t max_bytes) {
    if (r_[f].state == slot_state::absent) return std::nullopt;
    auto v = str(f, max_bytes);
    if (error) return std::nullopt;
    return v;
  }

  /// An optional string that may be empty ("" clears a value), at most max_chars code points.
  std::optional<std::string> opt_text(field_id f, std::size_t max_chars) {
    slot& s = r_[f];
    if (s.state == slot_state::absent || error) return std::nullopt;
    if (!check(f, false)) return std::nullopt;
    if (count_code_points(s.str) > max_chars) {
      fail(error_code::bad_field, f, fmt::format("must be at most {} characters", max_chars));
      return std::nullopt;
    }
    return std::string(s.str);
  }

  /// A message body (send, edit_message): required, within the limit, not blank unless
  /// `may_be_blank` (a send with attachments).
  std::string body(bool may_be_blank = false) {
    slot& body = r_[f_body];
    if (error) return {};
    if (body.state == slot_state::absent) {
      fail(error_code::missing_field, f_body, "is required");
    } else if (body.state == slot_state::bad) {
      fail(body.code, f_body, body.why);
    } else if (count_code_points(body.str) > limits::max_body_chars) {
      fail(error_code::body_too_long,
           fmt::format("body has {} characters; the limit is {}", count_code_points(body.str),
                       limits::max_body_chars));
    } else if (is_blank(body.str) && !may_be_blank) {
      fail(error_code::empty_body, "body is empty or only white space");
    } else {
      return std::string(body.str);
    }
    return {};
  }

  /// A group title (create_group, update_group): 1..100 characters, not blank.
  void check_title(const std::string& title) {
    if (error) return;
    const auto n = count_code_points(title);
    if (n > limits::max_title_chars) {
      fail(error_code::bad_field, f_title,
           fmt::format("must be at most {} characters", limits::max_title_chars));
    } else if (is_blank(title)) {
      fail(error_code::bad_field, f_title, "must not be blank");
    }
  }

  /// Required or optional integer in [lo, hi]; nullopt when absent (optional) or on error.
  std::optional<std::int64_t> num(field_id f, std::int64_t lo, std::int64_t hi, bool required) {
    slot& s = r_[f];
    const bool unreadable = s.state == slot_state::bad && s.code == error_code::number_out_of_range;
    if (!unreadable && !check(f, required)) return std::nullopt;
    if (error) return std::nullopt;
    if (unreadable || s.num < lo || s.num > hi) {
      fail(error_code::number_out_of_range, f,
           hi == limits::max_id ? fmt::format("must be an integer from {} to 2^53-1", lo)
                                : fmt::format("must be an integer from {} to {}", lo, hi));
      return std::nullopt;
    }
    return s.num;
  }

  id_t conversation() { return num(f_conversation, 1, limits::max_id, true).value_or(0); }

  /// update_group / set_profile: "#rrggbb" or "" (clears it); nullopt when absent.
  std::optional<std::string> avatar_color() {
    auto v = opt_text(f_avatar_color, 7);
    if (!error && v && !is_avatar_color(*v))
      fail(error_code::bad_field, f_avatar_color, "must be \"#rrggbb\" (hex digits) or \"\"");
    return error ? std::nullopt : v;
  }
  /// update_group / set_profile: an avatar image id from POST /api/avatars, or "" (removes it).
  std::optional<std::string> avatar() {
    auto v = opt_text(f_avatar, 32);
    if (!error && v && !is_avatar_value(*v))
      fail(error_code::bad_field, f_avatar,
           "must be an avatar id from POST /api/avatars (32 hex digits) or \"\"");
    return error ? std::nullopt : v;
  }

  void fail(error_code c, field_id f, std::string_view why) {
    if (error) return;
    error = parse_error{c, fmt::format("field '{}' {}", field_names[f], why), std::string(id_)};
  }
  void fail(error_code c, std::string msg) {
    if (error) return;
    error = parse_error{c, std::move(msg), std::string(id_)};
  }

 private:
  /// False (and an error set) when the slot is bad or a required one is absent.
  bool check(field_id f, bool required) {
    if (error) return false;
    slot& s = r_[f];
    if (s.state == slot_state::bad) {
      fail(s.code, f, s.why);
      return false;
    }
    if (s.state == slot_state::absent) {
      if (required) fail(error_code::missing_field, f, "is required");
      return false;
    }
    return true;
  }

  request_reader& r_;
  std::string_view id_;
};

}  // namespace

// -----------------------------------------------------------------------------------------------

struct parser::impl {
  // One parser per connection, so what it keeps counts per idle socket: simdjson sizes its
  // depth buffers for 1024 levels unless told (~9 KB), and keeps the capacity of the largest
  // document it saw. Frames deeper than limits::max_depth are refused before parsing, and a
  // large frame's buffers are let go after it.
  static constexpr std::size_t depth = limits::max_depth + 2;
  static constexpr std::size_t keep_bytes = 4096;
  od::parser json;
  std::string buffer;  // frame copy with simdjson's padding
  std::vector<std::string_view> members;

  /// Room for `n` bytes at our depth (iterate would allocate with simdjson's default depth).
  bool reserve(std::size_t n) {
    n = std::max<std::size_t>(n, 256);
    return json.capacity() >= n || !json.allocate(n, depth);
  }
  /// After a large frame: back to a small allocation.
  void shrink() {
    if (json.capacity() > keep_bytes && json.allocate(keep_bytes, depth)) json = od::parser{};
    if (buffer.capacity() > keep_bytes + simdjson::SIMDJSON_PADDING) std::string().swap(buffer);
  }
  parse_result parse(std::string_view frame);
  parse_result parse_reserved(std::string_view frame);
  parse_result build(request_reader& rd);
};

parser::parser() : impl_(new impl) {}
parser::~parser() {
  delete impl_;
}

parse_result parser::parse(std::string_view frame) {
  try {
    return impl_->parse(frame);
  } catch (const std::bad_alloc&) {
    return parse_error{error_code::internal, "out of memory", {}};
  } catch (...) {
    // Nothing in here is meant to throw; this keeps a surprise from killing an actor.
    return parse_error{error_code::internal, "internal parser error", {}};
  }
}

parse_result parser::impl::parse(std::string_view frame) {
  auto r = parse_reserved(frame);
  shrink();
  return r;
}

parse_result parser::impl::parse_reserved(std::string_view frame) {
  if (frame.size() > limits::max_frame_bytes) {
    return parse_error{
        error_code::frame_too_large,
        fmt::format("frame is {} bytes; the limit is {}", frame.size(), limits::max_frame_bytes),
        {}};
  }
  if (!simdjson::validate_utf8(frame.data(), frame.size())) {
    return parse_error{error_code::invalid_utf8, "frame is not valid UTF-8", {}};
  }
  if (max_nesting(frame) > limits::max_depth) {
    return parse_error{
        error_code::too_deep, fmt::format("nesting deeper than {} levels", limits::max_depth), {}};
  }
  buffer.resize(frame.size() + simdjson::SIMDJSON_PADDING);
  if (!frame.empty()) std::memcpy(buffer.data(), frame.data(), frame.size());
  if (!reserve(frame.size())) return parse_error{error_code::internal, "out of memory", {}};

  od::document doc;
  if (auto e = json.iterate(buffer.data(), frame.size(), buffer.size()).get(doc)) {
    auto f = json_error(e);
    return parse_error{f.code, std::move(f.message), {}};
  }
  od::json_type t;
  if (auto e = doc.type().get(t)) {
    auto f = json_error(e);
    return parse_error{f.code, std::move(f.message), {}};
  }
  if (t != od::json_type::object) {
    // Tell "valid JSON but not an object" from "not JSON": a full DOM parse decides (rare path).
    simdjson::dom::parser dom;
    simdjson::dom::element el;
    if (auto e = dom.parse(buffer.data(), frame.size(), false).get(el)) {
      auto f = json_error(e);
      return parse_error{f.code, std::move(f.message), {}};
    }
    return parse_error{error_code::not_object, "frame must be a JSON object", {}};
  }
  od::object obj;
  if (auto e = doc.get_object().get(obj)) {
    auto f = json_error(e);
    return parse_error{f.code, std::move(f.message), {}};
  }
  request_reader rd(members);
  if (auto f = rd.read(obj)) return parse_error{f->code, std::move(f->message), {}};
  // Anything after the object makes the frame invalid JSON.
  const char* rest = nullptr;
  if (doc.current_location().get(rest) == simdjson::SUCCESS) {
    return parse_error{error_code::bad_json, "not valid JSON (trailing content)", {}};
  }
  return build(rd);
}

parse_result parser::impl::build(request_reader& rd) {
  // The id first, so that every later error can name the request.
  std::string_view id;
  if (rd[f_id].state == slot_state::ok && !rd[f_id].str.empty() &&
      rd[f_id].str.size() <= limits::max_request_id_bytes) {
    id = rd[f_id].str;
  }
  request_builder b(rd, id);

  slot& ts = rd[f_type];
  if (ts.state == slot_state::absent) {
    return parse_error{error_code::missing_field, "field 'type' is required", std::string(id)};
  }
  if (ts.state == slot_state::bad) {
    return parse_error{error_code::bad_field, "field 'type' must be a string", std::string(id)};
  }
  std::size_t kind = request_names.size();
  for (std::size_t i = 0; i < request_names.size(); ++i) {
    if (request_names[i] == ts.str) {
      kind = i;
      break;
    }
  }
  if (kind == request_names.size()) {
    std::string shown(ts.str.substr(0, 40));
    return parse_error{error_code::unknown_type, fmt::format("unknown request type '{}'", shown),
                       std::string(id)};
  }
  std::string rid = b.str(f_id, limits::max_request_id_bytes);
  if (b.error) return *b.error;

  request out;
  switch (kind) {
    case 0: {  // hello
      hello_req r{rid, 0, std::nullopt};
      auto v = b.num(f_version, 0, limits::max_id, true);
      r.token = b.opt_str(f_token, limits::max_token_bytes);
      if (!b.error && v && *v != protocol_version) {
        b.fail(error_code::unsupported_version,
               fmt::format("protocol version {} is not supported; this server speaks {}", *v,
                           protocol_version));
      }
      r.version = static_cast<int>(v.value_or(0));
      out = std::move(r);
      break;
    }
    case 1: {  // send
      send_req r;
      r.id = rid;
      r.conversation = b.conversation();
      r.client_msg_id = b.str(f_client_msg_id, limits::max_client_msg_id_bytes);
      slot& files = rd[f_attachments];
      if (!b.error && files.state == slot_state::bad) b.fail(files.code, f_attachments, files.why);
      if (!b.error && files.state == slot_state::ok) {
        if (rd.attachments_count > limits::max_attachments) {
          b.fail(error_code::bad_field, f_attachments,
                 fmt::format("holds at most {} ids", limits::max_attachments));
        } else {
          for (auto a : rd.attachments) {
            if (a.empty() || a.size() > limits::max_attachment_id_bytes) {
              b.fail(error_code::bad_field, f_attachments,
                     fmt::format("entries must be 1 to {} bytes", limits::max_attachment_id_bytes));
              break;
            }
            r.attachments.emplace_back(a);
          }
        }
      }
      r.body = b.body(!r.attachments.empty());
      r.reply_to = b.num(f_reply_to, 1, limits::max_id, false);
      out = std::move(r);
      break;
    }
    case 2: {  // history
      history_req r;
      r.id = rid;
      r.conversation = b.conversation();
      r.before = b.num(f_before, 1, limits::max_id, false);
      r.after = b.num(f_after, 0, limits::max_id, false);
      auto limit = b.num(f_limit, 1, limits::max_id, false);
      if (!b.error && r.before && r.after) {
        b.fail(error_code::bad_field, "give at most one of 'before' and 'after'");
      }
      r.limit = static_cast<int>(
          std::min<std::int64_t>(limit.value_or(r.limit), limits::max_history_limit));
      out = std::move(r);
      break;
    }
    case 3: {  // sync
      sync_req r;
      r.id = rid;
      slot& s = rd[f_positions];
      if (s.state == slot_state::absent) {
        b.fail(error_code::missing_field, f_positions, "is required");
      } else if (s.state == slot_state::bad) {
        b.fail(s.code, f_positions, s.why);
      } else {
        r.positions = rd.positions;
      }
      out = std::move(r);
      break;
    }
    case 4: {  // open_direct
      open_direct_req r;
      r.id = rid;
      r.username = b.str(f_username, limits::max_username_bytes);
      out = std::move(r);
      break;
    }
    case 5: {  // create_group
      create_group_req r;
      r.id = rid;
      r.title = b.str(f_title, limits::max_title_chars * 4);
      b.check_title(r.title);
      slot& s = rd[f_members];
      if (!b.error) {
        if (s.state == slot_state::absent) {
          b.fail(error_code::missing_field, f_members, "is required");
        } else if (s.state == slot_state::bad) {
          b.fail(s.code, f_members, s.why);
        } else if (rd.members_count() + 1 > limits::max_group_members) {
          b.fail(error_code::too_many_members,
                 fmt::format("a group has at most {} members (you included)",
                             limits::max_group_members));
        } else {
          r.members.reserve(members.size());
          for (auto m : members) {
            if (m.empty() || m.size() > limits::max_username_bytes) {
              b.fail(error_code::bad_field, f_members,
                     fmt::format("entries must be 1 to {} bytes", limits::max_username_bytes));
              break;
            }
            r.members.emplace_back(m);
          }
        }
      }
      out = std::move(r);
      break;
    }
    case 6: {  // add_member
      add_member_req r;
      r.id = rid;
      r.conversation = b.conversation();
      r.username = b.str(f_username, limits::max_username_bytes);
      out = std::move(r);
      break;
    }
    case 7: {  // remove_member
      remove_member_req r;
      r.id = rid;
      r.conversation = b.conversation();
      r.username = b.str(f_username, limits::max_username_bytes);
      out = std::move(r);
      break;
    }
    case 8:
      out = leave_req{rid, b.conversation()};
      break;
    case 9:
      out = typing_req{rid, b.conversation()};
      break;
    case 10: {  // read
      read_req r;
      r.id = rid;
      r.conversation = b.conversation();
      r.seq = b.num(f_seq, 0, limits::max_id, true).value_or(0);
      out = std::move(r);
      break;
    }
    case 11: {  // list_conversations
      list_conversations_req r;
      r.id = rid;
      auto limit = b.num(f_limit, 1, limits::max_id, false);
      r.limit =
          static_cast<int>(std::min<std::int64_t>(limit.value_or(r.limit), limits::max_list_limit));
      r.cursor = b.opt_str(f_cursor, limits::max_cursor_bytes);
      out = std::move(r);
      break;
    }
    case 12: {  // search_users
      search_users_req r;
      r.id = rid;
      r.prefix = b.str(f_prefix, limits::max_username_bytes);
      auto limit = b.num(f_limit, 1, limits::max_id, false);
      r.limit = static_cast<int>(
          std::min<std::int64_t>(limit.value_or(r.limit), limits::max_search_limit));
      out = std::move(r);
      break;
    }
    case 13: {  // search
      search_req r;
      r.id = rid;
      r.query = b.str(f_query, limits::max_search_query_chars * 4);
      if (!b.error) {
        if (count_code_points(r.query) > limits::max_search_query_chars) {
          b.fail(error_code::bad_field, f_query,
                 fmt::format("must be at most {} characters", limits::max_search_query_chars));
        } else if (is_blank(r.query)) {
          b.fail(error_code::bad_field, f_query, "must not be blank");
        }
      }
      r.cursor = b.opt_str(f_cursor, limits::max_cursor_bytes);
      auto limit = b.num(f_limit, 1, limits::max_id, false);
      r.limit = static_cast<int>(
          std::min<std::int64_t>(limit.value_or(r.limit), limits::max_search_limit));
      out = std::move(r);
      break;
    }
    case 14:
      out = ping_req{rid};
      break;
    case 15: {  // edit_message
      edit_message_req r;
      r.id = rid;
      r.conversation = b.conversation();
      r.client_msg_id = b.str(f_client_msg_id, limits::max_client_msg_id_bytes);
      r.target = b.num(f_target, 1, limits::max_id, true).value_or(0);
      r.body = b.body();
      out = std::move(r);
      break;
    }
    case 16: {  // delete_message
      delete_message_req r;
      r.id = rid;
      r.conversation = b.conversation();
      r.client_msg_id = b.str(f_client_msg_id, limits::max_client_msg_id_bytes);
      r.target = b.num(f_target, 1, limits::max_id, true).value_or(0);
      out = std::move(r);
      break;
    }
    case 17:
    case 18: {  // react, unreact
      react_req r;
      r.id = rid;
      r.remove = kind == 18;
      r.conversation = b.conversation();
      r.client_msg_id = b.str(f_client_msg_id, limits::max_client_msg_id_bytes);
      r.target = b.num(f_target, 1, limits::max_id, true).value_or(0);
      r.emoji = b.str(f_emoji, limits::max_emoji_bytes);
      if (!b.error && is_blank(r.emoji))
        b.fail(error_code::bad_field, f_emoji, "must not be blank");
      out = std::move(r);
      break;
    }
    case 19: {  // update_group
      update_group_req r;
      r.id = rid;
      r.conversation = b.conversation();
      r.title = b.opt_str(f_title, limits::max_title_chars * 4);
      if (r.title) b.check_title(*r.title);
      r.description = b.opt_text(f_description, limits::max_description_chars);
      r.avatar_color = b.avatar_color();
      r.avatar = b.avatar();
      if (!b.error && !r.title && !r.description && !r.avatar_color && !r.avatar)
        b.fail(error_code::missing_field,
               "give at least one of 'title', 'description', 'avatar_color', 'avatar'");
      out = std::move(r);
      break;
    }
    case 21: {  // set_profile
      set_profile_req r;
      r.id = rid;
      r.avatar_color = b.avatar_color();
      r.avatar = b.avatar();
      if (!b.error && !r.avatar_color && !r.avatar)
        b.fail(error_code::missing_field, "give at least one of 'avatar_color', 'avatar'");
      out = std::move(r);
      break;
    }
    case 22: {  // get_profiles
      get_profiles_req r;
      r.id = rid;
      r.conversation = b.num(f_conversation, 1, limits::max_id, false).value_or(0);
      out = std::move(r);
      break;
    }
    case 20: {  // set_role
      set_role_req r;
      r.id = rid;
      r.conversation = b.conversation();
      r.username = b.str(f_username, limits::max_username_bytes);
      r.role = b.str(f_role, 16);
      if (!b.error && r.role != "owner" && r.role != "admin" && r.role != "member")
        b.fail(error_code::bad_field, f_role, "must be \"owner\", \"admin\" or \"member\"");
      out = std::move(r);
      break;
    }
  }
  if (b.error) return *b.error;
  return out;
}

const std::string& request_id(const request& r) {
  return std::visit([](const auto& x) -> const std::string& { return x.id; }, r);
}

}  // namespace chat::protocol
