// Issue 11's requests: edit_message, delete_message, react/unreact, update_group, set_role and
// send's reply_to. Each rule of docs/protocol.md section 5 refuses with its documented code.
#include <catch2/catch.hpp>

#include <string>

#include "protocol/limits.hpp"
#include "test_util.hpp"

using namespace chat::protocol;
using namespace chat::protocol::test;

TEST_CASE("send takes an optional reply_to seq", "[protocol][unit]") {
  auto r = std::get<send_req>(parse_ok(
      R"({"type":"send","id":"1","conversation":4,"client_msg_id":"c","body":"yes","reply_to":9})"));
  CHECK(r.reply_to == 9);
  CHECK(parse_err(R"({"type":"send","id":"1","conversation":4,"client_msg_id":"c","body":"x",)"
                  R"("reply_to":0})")
            .code == error_code::number_out_of_range);
  CHECK(parse_err(R"({"type":"send","id":"1","conversation":4,"client_msg_id":"c","body":"x",)"
                  R"("reply_to":"9"})")
            .code == error_code::bad_field);
}

TEST_CASE("edit_message needs a target and a body under send's rules", "[protocol][unit]") {
  auto r = std::get<edit_message_req>(parse_ok(
      R"({"type":"edit_message","id":"1","conversation":4,"client_msg_id":"e1","target":7,"body":"new"})"));
  CHECK(r.target == 7);
  CHECK(r.body == "new");
  CHECK(parse_err(
            R"({"type":"edit_message","id":"1","conversation":4,"client_msg_id":"e1","body":"x"})")
            .code == error_code::missing_field);
  CHECK(
      parse_err(
          R"({"type":"edit_message","id":"1","conversation":4,"client_msg_id":"e1","target":7,"body":"  "})")
          .code == error_code::empty_body);
  const std::string long_body(limits::max_body_chars + 1, 'x');
  CHECK(
      parse_err(
          R"({"type":"edit_message","id":"1","conversation":4,"client_msg_id":"e1","target":7,"body":")" +
          long_body + "\"}")
          .code == error_code::body_too_long);
  CHECK(parse_err(R"({"type":"edit_message","id":"1","conversation":4,"target":7,"body":"x"})")
            .code == error_code::missing_field);
}

TEST_CASE("delete_message needs a client_msg_id and a target", "[protocol][unit]") {
  auto r = std::get<delete_message_req>(parse_ok(
      R"({"type":"delete_message","id":"1","conversation":4,"client_msg_id":"d1","target":7})"));
  CHECK(r.target == 7);
  CHECK(
      parse_err(
          R"({"type":"delete_message","id":"1","conversation":4,"client_msg_id":"d1","target":0})")
          .code == error_code::number_out_of_range);
}

TEST_CASE("react and unreact share their fields; the emoji is bounded and not blank",
          "[protocol][unit]") {
  auto a = std::get<react_req>(parse_ok(
      R"({"type":"react","id":"1","conversation":4,"client_msg_id":"r1","target":7,"emoji":"👍"})"));
  CHECK_FALSE(a.remove);
  CHECK(a.emoji == "👍");
  auto b = std::get<react_req>(parse_ok(
      R"({"type":"unreact","id":"1","conversation":4,"client_msg_id":"r2","target":7,"emoji":"👍"})"));
  CHECK(b.remove);
  CHECK(
      parse_err(
          R"({"type":"react","id":"1","conversation":4,"client_msg_id":"r1","target":7,"emoji":" "})")
          .code == error_code::bad_field);
  const std::string big(limits::max_emoji_bytes + 1, 'x');
  CHECK(
      parse_err(
          R"({"type":"react","id":"1","conversation":4,"client_msg_id":"r1","target":7,"emoji":")" +
          big + "\"}")
          .code == error_code::bad_field);
}

TEST_CASE("update_group changes title, description and colour; at least one, each checked",
          "[protocol][unit]") {
  auto r = std::get<update_group_req>(parse_ok(
      R"({"type":"update_group","id":"1","conversation":4,"description":"","avatar_color":"#A0b1c2"})"));
  CHECK_FALSE(r.title.has_value());
  CHECK(r.description == "");
  CHECK(r.avatar_color == "#A0b1c2");
  CHECK(parse_err(R"({"type":"update_group","id":"1","conversation":4})").code ==
        error_code::missing_field);
  CHECK(parse_err(R"({"type":"update_group","id":"1","conversation":4,"title":"  "})").code ==
        error_code::bad_field);
  CHECK(
      parse_err(R"({"type":"update_group","id":"1","conversation":4,"avatar_color":"red"})").code ==
      error_code::bad_field);
  CHECK(parse_err(R"({"type":"update_group","id":"1","conversation":4,"avatar_color":"#12345g"})")
            .code == error_code::bad_field);
  const std::string long_text(limits::max_description_chars + 1, 'd');
  CHECK(parse_err(R"({"type":"update_group","id":"1","conversation":4,"description":")" +
                  long_text + "\"}")
            .code == error_code::bad_field);
}

TEST_CASE("set_role takes owner, admin or member", "[protocol][unit]") {
  auto r = std::get<set_role_req>(
      parse_ok(R"({"type":"set_role","id":"1","conversation":4,"username":"bob","role":"admin"})"));
  CHECK(r.role == "admin");
  CHECK(parse_err(R"({"type":"set_role","id":"1","conversation":4,"username":"bob","role":"king"})")
            .code == error_code::bad_field);
}
