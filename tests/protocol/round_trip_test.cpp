#include <catch2/catch.hpp>

#include "samples.hpp"
#include "test_util.hpp"

using namespace chat::protocol;
using namespace chat::protocol::test;

TEST_CASE("every request survives serialize then parse unchanged", "[protocol]") {
  parser p;
  for (const auto& r : sample_requests()) {
    const std::string json = serialize(r);
    INFO(json);
    auto back = p.parse(json);
    REQUIRE(std::holds_alternative<request>(back));
    CHECK(std::get<request>(back) == r);
    CHECK(serialize(std::get<request>(back)) == json);
  }
}

TEST_CASE("every server frame survives serialize then parse unchanged", "[protocol]") {
  for (const auto& f : sample_frames()) {
    const std::string json = serialize(f);
    INFO(json);
    auto back = parse_server_frame(json);
    if (auto* e = std::get_if<parse_error>(&back)) FAIL(to_string(e->code) << ": " << e->message);
    CHECK(std::get<server_frame>(back) == f);
    CHECK(serialize(std::get<server_frame>(back)) == json);
  }
}

TEST_CASE("every error code survives a round trip in an error frame", "[protocol]") {
  for (int i = 0; i <= static_cast<int>(error_code::internal); ++i) {
    const server_frame f = error_frame{static_cast<error_code>(i), "m", "r"};
    CHECK(server_ok(serialize(f)) == f);
  }
}

TEST_CASE("server frames are parsed strictly enough to catch mistakes", "[protocol]") {
  const auto code = [](std::string_view s) {
    auto r = parse_server_frame(s);
    REQUIRE(std::holds_alternative<parse_error>(r));
    return std::get<parse_error>(r).code;
  };
  CHECK(code("nope") == error_code::bad_json);
  CHECK(code("[]") == error_code::not_object);
  CHECK(code(R"({"type":"hello","id":"1","version":1})") == error_code::unknown_type);
  CHECK(code(R"({"type":"pong"})") == error_code::missing_field);
  CHECK(code(R"({"type":"error","code":"what","message":"x"})") == error_code::bad_field);
  CHECK(code(R"({"type":"typing","conversation":-3,"user":{"id":1,"username":"a"}})") ==
        error_code::number_out_of_range);
  CHECK(code("{\"type\":\"pong\",\"ref\":\"\xff\"}") == error_code::invalid_utf8);
  // Unknown fields are ignored here too.
  CHECK(std::get<pong_frame>(server_ok(R"({"type":"pong","ref":"1","new":[1]})")).ref == "1");
}
