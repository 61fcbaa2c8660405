#include "protocol/fixture.hpp"

#include <fmt/format.h>

#include "protocol/error_code.hpp"
#include "protocol/limits.hpp"
#include "protocol/messages.hpp"
#include "protocol/serializer.hpp"
#include "protocol/wire.hpp"

namespace chat::protocol {
namespace {

std::string quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

std::string names(std::span<const std::string_view> fields) {
  std::string out = "[";
  for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? ", " : "") + quoted(fields[i]);
  return out + "]";
}

void shapes(std::string& out, std::string_view key, std::span<const wire::shape> all, bool last) {
  out += fmt::format("  {}: {{\n", quoted(key));
  for (std::size_t i = 0; i < all.size(); ++i)
    out += fmt::format("    {}: {}{}\n", quoted(all[i].name), names(all[i].fields),
                       i + 1 < all.size() ? "," : "");
  out += last ? "  }\n" : "  },\n";
}

}  // namespace

std::string wire_fixture_json() {
  using L = limits;
  std::string out = "{\n";
  out += fmt::format("  \"version\": {},\n", protocol_version);
  const std::pair<const char*, long long> lim[] = {
      {"max_frame_bytes", L::max_frame_bytes},
      {"max_body_chars", L::max_body_chars},
      {"max_client_msg_id_bytes", L::max_client_msg_id_bytes},
      {"max_title_chars", L::max_title_chars},
      {"max_group_members", L::max_group_members},
      {"max_sync_entries", L::max_sync_entries},
      {"max_depth", L::max_depth},
      {"max_history_limit", L::max_history_limit},
      {"requests_per_second", L::requests_per_second},
      {"request_burst", L::request_burst},
      {"max_connections_per_user", L::max_connections_per_user},
      {"max_outbound_queue", L::max_outbound_queue},
      {"max_username_bytes", L::max_username_bytes},
      {"max_request_id_bytes", L::max_request_id_bytes},
      {"max_token_bytes", L::max_token_bytes},
      {"max_search_limit", L::max_search_limit},
      {"max_search_query_chars", L::max_search_query_chars},
      {"max_cursor_bytes", L::max_cursor_bytes},
      {"max_description_chars", L::max_description_chars},
      {"max_emoji_bytes", L::max_emoji_bytes},
      {"max_reactions_per_message", L::max_reactions_per_message},
      {"max_mentions_per_message", L::max_mentions_per_message},
      {"max_attachments", L::max_attachments},
      {"max_id", L::max_id},
  };
  out += "  \"limits\": {\n";
  for (std::size_t i = 0; i < std::size(lim); ++i)
    out += fmt::format("    \"{}\": {}{}\n", lim[i].first, lim[i].second,
                       i + 1 < std::size(lim) ? "," : "");
  out += "  },\n  \"error_codes\": {\n";
  for (int i = 0; i <= static_cast<int>(error_code::internal); ++i) {
    auto c = static_cast<error_code>(i);
    out += fmt::format("    {}: {{\"retryable\": {}}}{}\n", quoted(to_string(c)),
                       is_retryable(c) ? "true" : "false", c == error_code::internal ? "" : ",");
  }
  out += "  },\n";
  shapes(out, "server_frames", wire::server_frames, false);
  shapes(out, "requests", wire::requests, false);
  shapes(out, "objects", wire::objects, false);
  // Frames as the serializer writes them, every optional field present.
  event_frame e;
  e.conversation = 42;
  e.seq = 98;
  e.event_id = "evt-98";
  e.type = "member_added";
  e.sender = {7, "alice"};
  e.client_msg_id = "c-1";
  e.subject = user_ref{9, "dave"};
  e.body = "hello there";
  e.ts = 1764072000123;
  // Issue 11's optional fields, all present (no real event carries every one of them).
  e.target = 97;
  e.reply_to = 96;
  e.mentions = {{9, "dave"}};
  e.emoji = "\xF0\x9F\x91\x8D";
  e.role = "member";
  e.edited_ts = 1764072000500;
  e.deleted = true;
  e.reactions = {{"\xF0\x9F\x91\x8D", 1, {{7, "alice"}}}};
  conversation_info c{42, "group", "Team", {{7, "alice"}, {9, "dave"}}, 98, e, 97, 1};
  c.description = "Team chat";
  c.avatar_color = "#3366cc";
  c.avatar = "0123456789abcdef0123456789abcdef";
  c.owner = 7;
  c.admins = {9};
  c.unread_mentions = 1;
  out += "  \"examples\": {\n";
  out += fmt::format("    \"event\": {},\n", serialize(server_frame{e}));
  out += fmt::format("    \"conversation\": {},\n",
                     serialize(server_frame{conversation_frame{"5", c}}));
  out += fmt::format("    \"ack\": {},\n",
                     serialize(server_frame{ack_frame{"2", 42, "c-1", 98, 1764072000123, true}}));
  user_ref bob{8, "bob", "#aa3377", "fedcba9876543210fedcba9876543210"};
  out += fmt::format("    \"profile\": {},\n", serialize(server_frame{profile_frame{bob}}));
  out += fmt::format("    \"error\": {}\n",
                     serialize(server_frame{error_frame{error_code::unavailable,
                                                        "the database is unavailable", "2"}}));
  out += "  }\n}\n";
  return out;
}

}  // namespace chat::protocol
