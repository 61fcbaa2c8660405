#include <catch2/catch.hpp>

#include <string>

#include "protocol/limits.hpp"
#include "test_util.hpp"

using namespace chat::protocol;
using namespace chat::protocol::test;

// ---- every request type ---------------------------------------------------------------------

TEST_CASE("hello parses with and without a token", "[protocol]") {
  auto r = std::get<hello_req>(parse_ok(R"({"type":"hello","id":"h1","version":1,"token":"tok"})"));
  CHECK(r.id == "h1");
  CHECK(r.version == 1);
  CHECK(r.token == "tok");
  auto r2 = std::get<hello_req>(parse_ok(R"({"type":"hello","id":"h2","version":1})"));
  CHECK_FALSE(r2.token.has_value());
}

TEST_CASE("send parses conversation, client_msg_id and body", "[protocol]") {
  auto r = std::get<send_req>(parse_ok(
      R"({"type":"send","id":"7","conversation":42,"client_msg_id":"c-1","body":"héllo \n 😀"})"));
  CHECK(r.id == "7");
  CHECK(r.conversation == 42);
  CHECK(r.client_msg_id == "c-1");
  CHECK(r.body == "héllo \n 😀");
}

TEST_CASE("history parses before, after and clamps the limit", "[protocol]") {
  auto r = std::get<history_req>(
      parse_ok(R"({"type":"history","id":"1","conversation":3,"before":100,"limit":20})"));
  CHECK(r.conversation == 3);
  CHECK(r.before == 100);
  CHECK_FALSE(r.after.has_value());
  CHECK(r.limit == 20);
  auto a = std::get<history_req>(
      parse_ok(R"({"type":"history","id":"1","conversation":3,"after":0,"limit":100000})"));
  CHECK(a.after == 0);
  CHECK(a.limit == limits::max_history_limit);
  auto d = std::get<history_req>(parse_ok(R"({"type":"history","id":"1","conversation":3})"));
  CHECK(d.limit == 50);
  CHECK_FALSE(d.before.has_value());
  CHECK(code_of(R"({"type":"history","id":"1","conversation":3,"before":5,"after":1})") ==
        error_code::bad_field);
  CHECK(code_of(R"({"type":"history","id":"1","conversation":3,"limit":0})") ==
        error_code::number_out_of_range);
}

TEST_CASE("sync parses positions and ignores extra fields inside them", "[protocol]") {
  auto r = std::get<sync_req>(parse_ok(
      R"({"type":"sync","id":"s","positions":[{"conversation":3,"last_seq":5,"x":[1]},{"last_seq":0,"conversation":9}]})"));
  REQUIRE(r.positions.size() == 2);
  CHECK(r.positions[0] == sync_position{3, 5});
  CHECK(r.positions[1] == sync_position{9, 0});
  CHECK(
      std::get<sync_req>(parse_ok(R"({"type":"sync","id":"s","positions":[]})")).positions.empty());
  CHECK(code_of(R"({"type":"sync","id":"s"})") == error_code::missing_field);
  CHECK(code_of(R"({"type":"sync","id":"s","positions":[{"conversation":3}]})") ==
        error_code::missing_field);
  CHECK(code_of(R"({"type":"sync","id":"s","positions":[1]})") == error_code::bad_field);
  CHECK(code_of(R"({"type":"sync","id":"s","positions":{}})") == error_code::bad_field);
  CHECK(code_of(R"({"type":"sync","id":"s","positions":[{"conversation":3,"last_seq":-1}]})") ==
        error_code::number_out_of_range);
}

TEST_CASE("sync refuses more positions than the limit", "[protocol]") {
  std::string f = R"({"type":"sync","id":"s","positions":[)";
  for (std::size_t i = 0; i <= limits::max_sync_entries; ++i) {
    if (i) f += ',';
    f += R"({"conversation":1,"last_seq":1})";
  }
  f += "]}";
  CHECK(code_of(f) == error_code::bad_field);
}

TEST_CASE("open_direct, add_member and remove_member parse usernames", "[protocol]") {
  CHECK(std::get<open_direct_req>(parse_ok(R"({"type":"open_direct","id":"1","username":"bob"})"))
            .username == "bob");
  auto a = std::get<add_member_req>(
      parse_ok(R"({"type":"add_member","id":"1","conversation":4,"username":"carol"})"));
  CHECK(a.conversation == 4);
  CHECK(a.username == "carol");
  auto rm = std::get<remove_member_req>(
      parse_ok(R"({"type":"remove_member","id":"1","conversation":4,"username":"carol"})"));
  CHECK(rm.username == "carol");
  CHECK(code_of(R"({"type":"open_direct","id":"1","username":""})") == error_code::bad_field);
  CHECK(code_of(R"({"type":"open_direct","id":"1"})") == error_code::missing_field);
}

TEST_CASE("create_group parses title and members within the limits", "[protocol]") {
  auto g = std::get<create_group_req>(
      parse_ok(R"({"type":"create_group","id":"1","title":"Team","members":["bob","carol"]})"));
  CHECK(g.title == "Team");
  CHECK(g.members == std::vector<std::string>{"bob", "carol"});
  CHECK(code_of(R"({"type":"create_group","id":"1","title":"  ","members":[]})") ==
        error_code::bad_field);
  CHECK(code_of(R"({"type":"create_group","id":"1","title":"T","members":[1]})") ==
        error_code::bad_field);
  std::string long_title(limits::max_title_chars + 1, 'x');
  CHECK(code_of(R"({"type":"create_group","id":"1","title":")" + long_title +
                R"(","members":[]})") == error_code::bad_field);
  std::string many = R"({"type":"create_group","id":"1","title":"T","members":[)";
  for (std::size_t i = 0; i < limits::max_group_members; ++i) {
    if (i) many += ',';
    many += "\"u" + std::to_string(i) + "\"";
  }
  many += "]}";
  CHECK(code_of(many) == error_code::too_many_members);
}

TEST_CASE("leave, typing, read, list_conversations, search_users and ping parse", "[protocol]") {
  CHECK(
      std::get<leave_req>(parse_ok(R"({"type":"leave","id":"1","conversation":5})")).conversation ==
      5);
  CHECK(std::get<typing_req>(parse_ok(R"({"type":"typing","id":"1","conversation":5})"))
            .conversation == 5);
  auto rd = std::get<read_req>(parse_ok(R"({"type":"read","id":"1","conversation":5,"seq":9})"));
  CHECK(rd.seq == 9);
  CHECK(
      std::get<list_conversations_req>(parse_ok(R"({"type":"list_conversations","id":"L"})")).id ==
      "L");
  auto s = std::get<search_users_req>(
      parse_ok(R"({"type":"search_users","id":"1","prefix":"bo","limit":1000})"));
  CHECK(s.prefix == "bo");
  CHECK(s.limit == limits::max_search_limit);
  CHECK(std::get<ping_req>(parse_ok(R"({"type":"ping","id":"p"})")).id == "p");
}

TEST_CASE("search parses its query, cursor and limit, and refuses bad ones", "[protocol]") {
  auto s = std::get<search_req>(
      parse_ok(R"({"type":"search","id":"1","query":"東京 ramen","cursor":"1.2.3","limit":999})"));
  CHECK(s.query == "東京 ramen");
  CHECK(s.cursor == std::optional<std::string>("1.2.3"));
  CHECK(s.limit == limits::max_search_limit);
  auto d = std::get<search_req>(parse_ok(R"({"type":"search","id":"1","query":"x"})"));
  CHECK(d.limit == 20);
  CHECK_FALSE(d.cursor);
  CHECK(code_of(R"({"type":"search","id":"1"})") == error_code::missing_field);
  CHECK(code_of(R"({"type":"search","id":"1","query":""})") == error_code::bad_field);
  CHECK(code_of(R"({"type":"search","id":"1","query":" \u3000 "})") == error_code::bad_field);
  CHECK(code_of(R"({"type":"search","id":"1","query":5})") == error_code::bad_field);
  std::string hundred;
  for (int i = 0; i < 100; ++i) hundred += "字";
  CHECK(std::get<search_req>(parse_ok(R"({"type":"search","id":"1","query":")" + hundred + "\"}"))
            .query == hundred);
  CHECK(code_of(R"({"type":"search","id":"1","query":")" + hundred + "字\"}") ==
        error_code::bad_field);
  CHECK(code_of(R"({"type":"search","id":"1","query":"x","cursor":")" + std::string(65, '1') +
                "\"}") == error_code::bad_field);
  CHECK(code_of(R"({"type":"search","id":"1","query":"x","limit":0})") ==
        error_code::number_out_of_range);
}

TEST_CASE("request_id names the id of every request", "[protocol]") {
  CHECK(request_id(parse_ok(R"({"type":"ping","id":"abc"})")) == "abc");
  CHECK(request_id(parse_ok(R"({"type":"leave","id":"x9","conversation":1})")) == "x9");
}

TEST_CASE("keys may come in any order and may be escaped", "[protocol]") {
  auto r = std::get<send_req>(
      parse_ok(R"({"body":"b","client_msg_id":"c","conversation":1,"id":"i","\u0074ype":"send"})"));
  CHECK(r.body == "b");
  CHECK(r.id == "i");
}

// ---- each class of bad input has its own code ------------------------------------------------

TEST_CASE("text that is not JSON is bad_json", "[protocol]") {
  CHECK(code_of("hello") == error_code::bad_json);
  CHECK(code_of(R"({"type":"ping","id":"1")") == error_code::bad_json);
  CHECK(code_of(R"({"type":"ping","id":"1",})") == error_code::bad_json);
  CHECK(code_of(R"({"type":"ping","id":"1"} x)") == error_code::bad_json);
  CHECK(code_of(R"({"type":"ping","id":"1"}})") == error_code::bad_json);
  CHECK(code_of(R"({'type':'ping'})") == error_code::bad_json);
  CHECK(code_of("[1,2") == error_code::bad_json);
  CHECK(code_of("") == error_code::bad_json);
  CHECK(code_of("   \n") == error_code::bad_json);
}

TEST_CASE("malformed values in ignored fields still make the frame bad_json", "[protocol]") {
  CHECK(code_of(R"({"type":"ping","id":"1","x":tru})") == error_code::bad_json);
  CHECK(code_of(R"({"type":"ping","id":"1","x":[1,{"a":nul}]})") == error_code::bad_json);
  CHECK(code_of(R"({"type":"ping","id":"1","x":01})") == error_code::bad_json);
  CHECK(code_of(R"({"type":"ping","id":"1","x":"\q"})") == error_code::bad_json);
  CHECK(code_of(R"({"type":"ping","id":"1","x":1.})") == error_code::bad_json);
}

TEST_CASE("escapes that do not form a character are bad_json", "[protocol]") {
  CHECK(code_of(R"({"type":"ping","id":"\ud800"})") == error_code::bad_json);
  CHECK(code_of(R"({"type":"ping","id":"\udfff"})") == error_code::bad_json);
  CHECK(code_of(R"({"type":"ping","id":"\ud800\u0041"})") == error_code::bad_json);
  CHECK(code_of(R"({"type":"ping","id":"\ud800\udbff"})") == error_code::bad_json);
  CHECK(code_of(R"({"type":"ping","id":"\u12"})") == error_code::bad_json);
  // A correct pair and an escaped NUL are fine.
  CHECK(request_id(parse_ok(R"({"type":"ping","id":"\ud83d\ude00"})")) == "😀");
  CHECK(request_id(parse_ok(R"({"type":"ping","id":"\u0000"})")) == std::string(1, '\0'));
}

TEST_CASE("valid JSON that is not an object is not_object", "[protocol]") {
  CHECK(code_of("[1,2]") == error_code::not_object);
  CHECK(code_of(R"("ping")") == error_code::not_object);
  CHECK(code_of("5") == error_code::not_object);
  CHECK(code_of("null") == error_code::not_object);
}

TEST_CASE("an unknown request type is unknown_type and names the request", "[protocol]") {
  auto e = parse_err(R"({"type":"fly","id":"r1"})");
  CHECK(e.code == error_code::unknown_type);
  CHECK(e.ref == "r1");
  // Server frame types are not requests.
  CHECK(code_of(R"({"type":"ack","id":"r1"})") == error_code::unknown_type);
}

TEST_CASE("a missing field is missing_field and names the request", "[protocol]") {
  CHECK(code_of(R"({"id":"1"})") == error_code::missing_field);
  CHECK(code_of(R"({"type":"ping"})") == error_code::missing_field);
  auto e = parse_err(R"({"type":"send","id":"s1","conversation":1,"body":"x"})");
  CHECK(e.code == error_code::missing_field);
  CHECK(e.ref == "s1");
  CHECK(e.message.find("client_msg_id") != std::string::npos);
  CHECK(code_of(R"({"type":"send","id":"s1","conversation":1,"client_msg_id":"c"})") ==
        error_code::missing_field);
  // null counts as absent
  CHECK(code_of(R"({"type":"read","id":"1","conversation":1,"seq":null})") ==
        error_code::missing_field);
}

TEST_CASE("a field of the wrong JSON type is bad_field", "[protocol]") {
  CHECK(code_of(R"({"type":5,"id":"1"})") == error_code::bad_field);
  CHECK(code_of(R"({"type":"ping","id":5})") == error_code::bad_field);
  CHECK(code_of(R"({"type":"ping","id":""})") == error_code::bad_field);
  CHECK(code_of(R"({"type":"leave","id":"1","conversation":"5"})") == error_code::bad_field);
  CHECK(code_of(R"({"type":"leave","id":"1","conversation":true})") == error_code::bad_field);
  CHECK(code_of(R"({"type":"send","id":"1","conversation":1,"client_msg_id":7,"body":"x"})") ==
        error_code::bad_field);
  CHECK(code_of(R"({"type":"send","id":"1","conversation":1,"client_msg_id":"c","body":["x"]})") ==
        error_code::bad_field);
  CHECK(code_of(R"({"type":"ping","id":"1","id":"2"})") == error_code::bad_field);
  std::string long_id(limits::max_request_id_bytes + 1, 'i');
  CHECK(code_of(R"({"type":"ping","id":")" + long_id + "\"}") == error_code::bad_field);
  std::string long_cmid(limits::max_client_msg_id_bytes + 1, 'c');
  CHECK(code_of(R"({"type":"send","id":"1","conversation":1,"client_msg_id":")" + long_cmid +
                R"(","body":"x"})") == error_code::bad_field);
}

TEST_CASE("extra fields are ignored, at the top level and inside objects", "[protocol]") {
  auto r = std::get<ping_req>(
      parse_ok(R"({"type":"ping","id":"1","future":{"a":[1,2.5e3,"s",null,true]},"x":-0.5})"));
  CHECK(r.id == "1");
  // A field another request uses is just an extra field here, even if it is mistyped.
  CHECK(
      std::get<ping_req>(parse_ok(R"({"type":"ping","id":"1","body":5,"conversation":"x"})")).id ==
      "1");
}

TEST_CASE("a frame over the byte limit is frame_too_large", "[protocol]") {
  std::string body(limits::max_frame_bytes, 'a');
  const std::string f =
      R"({"type":"send","id":"1","conversation":1,"client_msg_id":"c","body":")" + body + "\"}";
  CHECK(code_of(f) == error_code::frame_too_large);
  // Even garbage is refused for its size first.
  CHECK(code_of(std::string(limits::max_frame_bytes + 1, '[')) == error_code::frame_too_large);
}

TEST_CASE("a body over the limit in code points is body_too_long", "[protocol]") {
  const auto frame = [](const std::string& body) {
    return R"({"type":"send","id":"1","conversation":1,"client_msg_id":"c","body":")" + body +
           "\"}";
  };
  std::string ascii(limits::max_body_chars, 'a');
  CHECK(std::get<send_req>(parse_ok(frame(ascii))).body.size() == limits::max_body_chars);
  CHECK(code_of(frame(ascii + "a")) == error_code::body_too_long);
  // 4000 three-byte characters are 12000 bytes but only 4000 characters: accepted.
  std::string cjk;
  for (std::size_t i = 0; i < limits::max_body_chars; ++i) cjk += "語";
  CHECK(std::get<send_req>(parse_ok(frame(cjk))).body == cjk);
  CHECK(code_of(frame(cjk + "語")) == error_code::body_too_long);
  // Escapes count as the characters they stand for.
  std::string escaped;
  for (std::size_t i = 0; i < limits::max_body_chars; ++i) escaped += "\\u00e9";
  CHECK(std::get<send_req>(parse_ok(frame(escaped))).body.size() == 2 * limits::max_body_chars);
}

TEST_CASE("an empty or white-space body is empty_body", "[protocol]") {
  const auto frame = [](const std::string& body) {
    return R"({"type":"send","id":"1","conversation":1,"client_msg_id":"c","body":")" + body +
           "\"}";
  };
  CHECK(code_of(frame("")) == error_code::empty_body);
  CHECK(code_of(frame("   ")) == error_code::empty_body);
  CHECK(code_of(frame("\\n\\t \\r")) == error_code::empty_body);
  CHECK(code_of(frame("\u3000\u00a0")) == error_code::empty_body);
  CHECK(std::get<send_req>(parse_ok(frame(" x "))).body == " x ");
}

TEST_CASE("invalid UTF-8 anywhere is invalid_utf8", "[protocol]") {
  CHECK(code_of("{\"type\":\"ping\",\"id\":\"\xff\"}") == error_code::invalid_utf8);
  CHECK(code_of("{\"type\":\"ping\",\"id\":\"1\",\"x\":\"\xc3\x28\"}") == error_code::invalid_utf8);
  CHECK(code_of("{\"type\":\"ping\",\"id\":\"1\",\"\xed\xa0\x80\":1}") == error_code::invalid_utf8);
  CHECK(code_of("{\"type\":\"ping\",\"id\":\"1\",\"x\":\"\xf4\x90\x80\x80\"}") ==
        error_code::invalid_utf8);
  CHECK(code_of("{\"type\":\"ping\",\"id\":\"1\",\"x\":\"\xc0\xaf\"}") == error_code::invalid_utf8);
  CHECK(code_of("\xef\xbb\xbf{}") != error_code::internal);  // a BOM is not JSON either
}

TEST_CASE("nesting deeper than the limit is too_deep", "[protocol]") {
  const auto nested = [](std::size_t depth) {
    // depth counts the outer object as 1
    std::string f = R"({"type":"ping","id":"1","x":)";
    for (std::size_t i = 1; i < depth; ++i) f += '[';
    for (std::size_t i = 1; i < depth; ++i) f += ']';
    return f + "}";
  };
  CHECK(std::get<ping_req>(parse_ok(nested(limits::max_depth))).id == "1");
  CHECK(code_of(nested(limits::max_depth + 1)) == error_code::too_deep);
  CHECK(code_of(std::string(10000, '[')) == error_code::too_deep);
  // Brackets inside strings do not count.
  CHECK(std::get<ping_req>(parse_ok(R"({"type":"ping","id":"[[[[[[[[[[[[{{{{{{{{{{"})")).id ==
        "[[[[[[[[[[[[{{{{{{{{{{");
}

TEST_CASE("integers outside their range are number_out_of_range", "[protocol]") {
  const auto leave = [](const std::string& n) {
    return R"({"type":"leave","id":"1","conversation":)" + n + "}";
  };
  CHECK(std::get<leave_req>(parse_ok(leave("9007199254740991"))).conversation == limits::max_id);
  CHECK(code_of(leave("9007199254740992")) == error_code::number_out_of_range);
  CHECK(code_of(leave("-1")) == error_code::number_out_of_range);
  CHECK(code_of(leave("0")) == error_code::number_out_of_range);  // conversations start at 1
  CHECK(code_of(leave("1.5")) == error_code::number_out_of_range);
  CHECK(code_of(leave("1.0")) == error_code::number_out_of_range);
  CHECK(code_of(leave("1e3")) == error_code::number_out_of_range);
  CHECK(code_of(leave("9223372036854775808")) == error_code::number_out_of_range);
  CHECK(code_of(leave("18446744073709551616")) == error_code::number_out_of_range);
  CHECK(code_of(leave("123456789012345678901234567890")) == error_code::number_out_of_range);
  CHECK(code_of(leave("-9223372036854775809")) == error_code::number_out_of_range);
  CHECK(code_of(leave("1e400")) == error_code::number_out_of_range);
  auto e = parse_err(leave("-1"));
  CHECK(e.ref == "1");
  CHECK(e.message.find("conversation") != std::string::npos);
}

TEST_CASE("hello with a version other than 1 is unsupported_version", "[protocol]") {
  auto e = parse_err(R"({"type":"hello","id":"h","version":2})");
  CHECK(e.code == error_code::unsupported_version);
  CHECK(e.ref == "h");
  CHECK(code_of(R"({"type":"hello","id":"h","version":0})") == error_code::unsupported_version);
  CHECK(code_of(R"({"type":"hello","id":"h"})") == error_code::missing_field);
  CHECK(code_of(R"({"type":"hello","id":"h","version":"1"})") == error_code::bad_field);
  CHECK(code_of(R"({"type":"hello","id":"h","version":1.5})") == error_code::number_out_of_range);
}

TEST_CASE("one parser reused for many frames keeps no state between them", "[protocol]") {
  parser p;
  for (int i = 0; i < 100; ++i) {
    auto bad = p.parse("{\"type\":\"send\",\"id\":\"" + std::to_string(i) + "\"");
    REQUIRE(std::holds_alternative<parse_error>(bad));
    auto ok = p.parse(R"({"type":"send","id":"a","conversation":1,"client_msg_id":"c","body":"b)" +
                      std::to_string(i) + "\"}");
    REQUIRE(std::holds_alternative<request>(ok));
    CHECK(std::get<send_req>(std::get<request>(ok)).body == "b" + std::to_string(i));
  }
}

TEST_CASE("the parser never throws on arbitrary bytes", "[protocol]") {
  parser p;
  std::string junk;
  std::uint32_t x = 12345;
  for (int i = 0; i < 2000; ++i) {
    x = x * 1103515245u + 12345u;
    junk += static_cast<char>(x >> 24);
    const auto r = p.parse(junk);
    REQUIRE(std::holds_alternative<parse_error>(r));
  }
  CHECK_NOTHROW(parse_server_frame(junk));
}
