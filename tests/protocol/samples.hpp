#pragma once
// One value of every request and server frame type, with awkward text in the strings.
#include <vector>

#include "protocol/limits.hpp"
#include "protocol/messages.hpp"

namespace chat::protocol::test {

inline event_frame sample_event() {
  return event_frame{42,           98,    "evt-98",     "message",
                     {7, "alice"}, "c-1", std::nullopt, "hi \"bob\" \\ \n\t é 😀 \x01",
                     1764072000123};
}

inline std::vector<request> sample_requests() {
  return {
      hello_req{"1", 1, std::string("tok")},
      hello_req{"1b", 1, std::nullopt},
      send_req{"2", 42, "c-1", "hello \"world\" \n😀", {}},
      send_req{"2b", 42, "c-2", "", std::nullopt, {"0123456789abcdef0123456789abcdef", "x"}},
      history_req{"3", 42, id_t{98}, std::nullopt, 50},
      history_req{"3b", 42, std::nullopt, id_t{0}, 200},
      sync_req{"4", {{42, 97}, {43, 0}}},
      sync_req{"4b", {}},
      open_direct_req{"5", "bob"},
      create_group_req{"6", "Team ☕", {"bob", "carol"}},
      add_member_req{"7", 42, "dave"},
      remove_member_req{"8", 42, "dave"},
      leave_req{"9", 42},
      typing_req{"10", 42},
      read_req{"11", 42, limits::max_id},
      list_conversations_req{"12", 50, std::string("1764072020000.12")},
      search_users_req{"13", "bo", 20},
      search_req{"13b", "東京 \"lunch\"", std::nullopt, 20},
      search_req{"13c", "ramen", std::string("1764072000123.12.98"), 50},
      ping_req{"14"},
      send_req{"15", 42, "c-2", "re: that", id_t{97}},
      edit_message_req{"16", 42, "c-3", 97, "fixed typo"},
      delete_message_req{"17", 42, "c-4", 97},
      react_req{"18", 42, "c-5", 97, "👍", false},
      react_req{"19", 42, "c-6", 97, "👍", true},
      update_group_req{"20", 42, std::string("Team 2"), std::string(""), std::string("#3366cc")},
      update_group_req{"20b", 42, std::nullopt, std::string("about"), std::nullopt},
      set_role_req{"21", 42, "dave", "admin"},
      update_group_req{"22", 42, std::nullopt, std::nullopt, std::nullopt,
                       std::string("0123456789abcdef0123456789abcdef")},
      update_group_req{"22b", 42, std::nullopt, std::nullopt, std::nullopt, std::string("")},
      set_profile_req{"23", std::string("#aa3377"),
                      std::string("fedcba9876543210fedcba9876543210")},
      set_profile_req{"23b", std::nullopt, std::string("")},
      get_profiles_req{"24", 42},
      get_profiles_req{"24b", 0},
  };
}

inline std::vector<server_frame> sample_frames() {
  auto e = sample_event();
  auto m = e;
  m.type = "member_added";
  m.subject = user_ref{9, "dave"};
  m.body.clear();
  m.client_msg_id.clear();
  // A message in its current state, and changes to messages (issue 11's fields).
  auto rich = e;
  rich.reply_to = 90;
  rich.mentions = {{8, "bob"}};
  rich.edited_ts = 1764072000500;
  rich.reactions = {{"👍", 2, {{7, "alice"}, {8, "bob"}}}, {"🎉", 1, {{8, "bob"}}}};
  auto gone = e;
  gone.body.clear();
  gone.deleted = true;
  auto reacted = m;
  reacted.type = "reaction_added";
  reacted.subject.reset();
  reacted.target = 97;
  reacted.emoji = "👍";
  auto promoted = m;
  promoted.type = "role_changed";
  promoted.role = "admin";
  auto f = e;
  f.attachments = {
      {"0123456789abcdef0123456789abcdef", "photo \"1\".png", "image/png", 12345, true, 640, 480},
      {"fedcba9876543210fedcba9876543210", "notes.pdf", "application/pdf", 9, false, 0, 0}};
  conversation_info c{42, "group", "Team", {{7, "alice"}, {8, "bob"}}, 98, e, 97, 1};
  c.description = "the team";
  c.avatar_color = "#3366cc";
  c.owner = 7;
  c.admins = {8};
  c.unread_mentions = 2;
  auto pictured = c;
  pictured.avatar = "0123456789abcdef0123456789abcdef";
  const user_ref bob_profile{8, "bob", "#aa3377", "fedcba9876543210fedcba9876543210"};
  conversation_info d{43, "direct",     "", {{7, "alice"}, {8, "bob"}},
                      0,  std::nullopt, 0,  std::nullopt};
  return {
      welcome_frame{"1", 1, {7, "alice"}, "2026-12-25T12:00:00Z"},
      ack_frame{"2", 42, "c-1", 98, 1764072000123, false},
      ack_frame{"2", 42, "c-1", 98, 1764072000123, true},
      e,
      m,
      rich,
      gone,
      reacted,
      promoted,
      history_frame{"3", 42, {e, m}, true},
      f,
      history_frame{"3c", 42, {rich, gone, reacted, promoted, f}, false},
      history_frame{"3", 42, {}, false},
      sync_done_frame{"4", {{42, 98}}},
      conversation_frame{"5", c},
      conversations_frame{"12", {c, d}, std::string("1764071000000.40")},
      users_frame{"13", {{8, "bob"}, {11, "bobby"}}},
      search_results_frame{"13b",
                           {{42, 98, {7, "alice"}, 1764072000123, "\u2026 at 東京 \"lunch\""}},
                           std::string("1764072000123.42.98")},
      search_results_frame{"13c", {}, std::nullopt},
      typing_frame{42, {8, "bob"}},
      read_frame{42, {8, "bob"}, 98},
      presence_frame{{8, "bob"}, true},
      ok_frame{"9"},
      pong_frame{"14"},
      error_frame{error_code::not_member, "you are not a member of conversation 44", "15"},
      error_frame{error_code::bad_json, "not valid JSON", ""},
      welcome_frame{"1b", 1, bob_profile, ""},
      conversation_frame{"22", pictured},
      users_frame{"24", {bob_profile, {9, "carol", "#123abc", ""}}},
      profile_frame{bob_profile},
  };
}

}  // namespace chat::protocol::test
