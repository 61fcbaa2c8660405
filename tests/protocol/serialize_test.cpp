#include <catch2/catch.hpp>

#include <string>

#include "protocol/parser.hpp"
#include "protocol/serializer.hpp"
#include "samples.hpp"

using namespace chat::protocol;

namespace {
std::string quoted(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}
}  // namespace

TEST_CASE("every control character is escaped", "[protocol]") {
  for (int c = 0; c < 0x20; ++c) {
    const std::string in(1, static_cast<char>(c));
    const std::string out = quoted(in);
    INFO("char " << c << " -> " << out);
    for (char o : out) CHECK(static_cast<unsigned char>(o) >= 0x20);
  }
  CHECK(quoted("\n") == R"("\n")");
  CHECK(quoted("\t") == R"("\t")");
  CHECK(quoted("\r") == R"("\r")");
  CHECK(quoted("\b") == R"("\b")");
  CHECK(quoted("\f") == R"("\f")");
  CHECK(quoted(std::string_view("\0", 1)) == R"("\u0000")");
  CHECK(quoted("\x1f") == R"("\u001f")");
  CHECK(quoted("\x7f") == "\"\x7f\"");  // DEL is legal in JSON strings
}

TEST_CASE("quotes and backslashes are escaped", "[protocol]") {
  CHECK(quoted(R"(a"b\c/d)") == R"("a\"b\\c/d")");
  CHECK(quoted("") == R"("")");
}

TEST_CASE("non-ASCII text passes through as UTF-8", "[protocol]") {
  CHECK(quoted("é") == "\"é\"");
  CHECK(quoted("語") == "\"語\"");
  CHECK(quoted("😀") == "\"😀\"");
  // Line and paragraph separators are escaped so the output is also a valid JavaScript literal.
  CHECK(quoted("\u2028\u2029") == R"("\u2028\u2029")");
}

TEST_CASE("invalid UTF-8 handed to the serializer becomes U+FFFD", "[protocol]") {
  CHECK(quoted("a\xff"
               "b") ==
        "\"a\xef\xbf\xbd"
        "b\"");
  CHECK(quoted("\xc3") == "\"\xef\xbf\xbd\"");                                  // truncated
  CHECK(quoted("\xed\xa0\x80") == "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");  // surrogate
  CHECK(quoted("\xc0\xaf") == "\"\xef\xbf\xbd\xef\xbf\xbd\"");                  // overlong
}

TEST_CASE("numbers are written exactly", "[protocol]") {
  auto s =
      serialize(server_frame{ack_frame{"r", limits::max_id, "c", limits::max_id, INT64_MIN, true}});
  CHECK(
      s ==
      R"({"type":"ack","ref":"r","conversation":9007199254740991,"client_msg_id":"c","seq":9007199254740991,"ts":-9223372036854775808,"duplicate":true})");
}

TEST_CASE("server frames have the documented layout", "[protocol]") {
  CHECK(serialize(server_frame{pong_frame{"7"}}) == R"({"type":"pong","ref":"7"})");
  CHECK(serialize(server_frame{ok_frame{"7"}}) == R"({"type":"ok","ref":"7"})");
  CHECK(serialize(server_frame{error_frame{error_code::rate_limited, "slow down", "9"}}) ==
        R"({"type":"error","code":"rate_limited","message":"slow down","ref":"9"})");
  CHECK(serialize(server_frame{error_frame{error_code::bad_json, "x", ""}}) ==
        R"({"type":"error","code":"bad_json","message":"x"})");
  CHECK(serialize(server_frame{typing_frame{3, {7, "al"}}}) ==
        R"({"type":"typing","conversation":3,"user":{"id":7,"username":"al"}})");
  CHECK(serialize(server_frame{presence_frame{{7, "al"}, false}}) ==
        R"({"type":"presence","user":{"id":7,"username":"al"},"online":false})");
  CHECK(serialize(server_frame{read_frame{3, {7, "al"}, 5}}) ==
        R"({"type":"read","conversation":3,"user":{"id":7,"username":"al"},"seq":5})");
  CHECK(
      serialize(server_frame{sync_done_frame{"s", {{1, 2}, {3, 4}}}}) ==
      R"({"type":"sync_done","ref":"s","positions":[{"conversation":1,"last_seq":2},{"conversation":3,"last_seq":4}]})");
  CHECK(serialize(server_frame{users_frame{"u", {}}}) ==
        R"({"type":"users","ref":"u","users":[]})");
  CHECK(
      serialize(server_frame{welcome_frame{"1", 1, {7, "alice"}, "2026-12-25T12:00:00Z"}}) ==
      R"({"type":"welcome","ref":"1","version":1,"user":{"id":7,"username":"alice"},"session_expires":"2026-12-25T12:00:00Z"})");
}

TEST_CASE("events write their type as kind and omit an absent subject", "[protocol]") {
  event_frame e{1, 2, "e2", "message", {7, "al"}, "c", std::nullopt, "hi", 5};
  CHECK(
      serialize(server_frame{e}) ==
      R"({"type":"event","conversation":1,"seq":2,"event_id":"e2","kind":"message","sender":{"id":7,"username":"al"},"client_msg_id":"c","body":"hi","ts":5})");
  e.type = "member_added";
  e.subject = user_ref{8, "bo"};
  CHECK(serialize(server_frame{e}).find(R"("subject":{"id":8,"username":"bo"})") !=
        std::string::npos);
  history_frame h{"h", 1, {e}, false};
  CHECK(serialize(server_frame{h}).find(R"("events":[{"conversation":1,"seq":2,)") !=
        std::string::npos);
}

TEST_CASE("conversation info writes members, last_event and read_seq", "[protocol]") {
  conversation_info c{4, "direct", "", {{7, "a"}, {8, "b"}}, 0, std::nullopt, 0, std::nullopt};
  CHECK(
      serialize(server_frame{conversation_frame{"r", c}}) ==
      R"({"type":"conversation","ref":"r","conversation":{"id":4,"kind":"direct","title":"","members":[{"id":7,"username":"a"},{"id":8,"username":"b"}],"last_seq":0,"read_seq":0}})");
}

TEST_CASE("conversation info writes unread only when the server counted it", "[protocol]") {
  conversation_info c{4, "group", "t", {}, 9, std::nullopt, 2, 3};
  CHECK(serialize(server_frame{conversation_frame{"r", c}}).find(R"("read_seq":2,"unread":3})") !=
        std::string::npos);
  auto back = parse_server_frame(serialize(server_frame{conversation_frame{"r", c}}));
  REQUIRE(std::holds_alternative<server_frame>(back));
  CHECK(std::get<conversation_frame>(std::get<server_frame>(back)).conversation.unread == 3);
}

TEST_CASE("requests serialize to the documented layout", "[protocol]") {
  CHECK(serialize(request{send_req{"2", 42, "c-1", "hi"}}) ==
        R"({"type":"send","id":"2","conversation":42,"client_msg_id":"c-1","body":"hi"})");
  CHECK(serialize(request{hello_req{"1", 1, std::nullopt}}) ==
        R"({"type":"hello","id":"1","version":1})");
  CHECK(serialize(request{create_group_req{"6", "T", {"a", "b"}}}) ==
        R"({"type":"create_group","id":"6","title":"T","members":["a","b"]})");
  CHECK(serialize(request{history_req{"3", 4, std::nullopt, std::nullopt, 50}}) ==
        R"({"type":"history","id":"3","conversation":4,"limit":50})");
}
