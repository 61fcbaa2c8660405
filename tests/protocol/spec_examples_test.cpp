// Every ```json block in docs/protocol.md is a frame a client or server may send: each must parse
// (as a request or as a server frame) and survive a round trip. Keeps the spec honest.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.hpp"

using namespace chat::protocol;

TEST_CASE("every JSON example in the spec parses and round-trips", "[protocol]") {
  const auto blocks = test::json_blocks(CHAT_PROTOCOL_DOC);
  REQUIRE(blocks.size() >= 28);  // at least one per request and server frame type
  parser p;
  std::size_t requests = 0, frames = 0;
  for (const auto& b : blocks) {
    INFO(b);
    auto r = p.parse(b);
    if (auto* req = std::get_if<request>(&r)) {
      ++requests;
      auto again = p.parse(serialize(*req));
      REQUIRE(std::holds_alternative<request>(again));
      CHECK(std::get<request>(again) == *req);
      continue;
    }
    auto f = parse_server_frame(b);
    if (auto* e = std::get_if<parse_error>(&f)) {
      FAIL_CHECK("example is neither a request (" << std::get<parse_error>(r).message
                                                  << ") nor a server frame (" << e->message << ")");
      continue;
    }
    ++frames;
    const auto& frame = std::get<server_frame>(f);
    CHECK(test::server_ok(serialize(frame)) == frame);
  }
  CHECK(requests >= 14);
  CHECK(frames >= 14);
}
