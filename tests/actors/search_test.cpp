// The search request end to end through the actors: connection -> database worker -> reply.
#include <catch2/catch.hpp>

#include "harness.hpp"
#include "protocol/serializer.hpp"

using namespace chat::actors::test;
using namespace chat;

namespace {

protocol::search_results_frame search(client& c, std::string query,
                                      std::optional<std::string> cursor = std::nullopt,
                                      int limit = 20) {
  auto reply =
      c.call(protocol::search_req{c.next_id(), std::move(query), std::move(cursor), limit});
  INFO(protocol::serialize(reply));
  REQUIRE(std::holds_alternative<protocol::search_results_frame>(reply));
  return std::get<protocol::search_results_frame>(reply);
}

std::vector<protocol::id_t> seqs(const protocol::search_results_frame& f) {
  std::vector<protocol::id_t> out;
  for (auto& h : f.hits) out.push_back(h.seq);
  return out;
}

}  // namespace

TEST_CASE("search finds members' messages in English and CJK, pages, and hides the rest",
          "[actors]") {
  auto backend = GENERATE(from_range(backends()));
  fixture fx{backend};
  client alice{fx, fx.make_user("alice"), "alice"}, bob{fx, fx.make_user("bob"), "bob"},
      carol{fx, fx.make_user("carol"), "carol"};
  alice.hello();
  bob.hello();
  carol.hello();
  auto group = alice.create_group("Trip", {"bob"});
  auto ab = alice.send_msg(group.id, "a1", "Shall we visit 東京タワー on Monday?");
  auto bb = bob.send_msg(group.id, "b1", "Yes! Tokyo tower at night");
  auto secret = carol.open_direct("bob");
  carol.send_msg(secret.id, "c1", "a surprise for alice: tokyo tickets");

  auto hit = search(alice, "タワー");
  REQUIRE(hit.hits.size() == 1);
  CHECK(hit.hits[0].conversation == group.id);
  CHECK(hit.hits[0].seq == ab.seq);
  CHECK(hit.hits[0].sender.username == "alice");
  CHECK(hit.hits[0].ts == ab.ts);
  CHECK(hit.hits[0].excerpt == "Shall we visit 東京タワー on Monday?");
  CHECK_FALSE(hit.next_cursor);
  CHECK(seqs(search(alice, "TOWER")) == std::vector<protocol::id_t>{bb.seq});
  CHECK(seqs(search(alice, "東京")) == std::vector<protocol::id_t>{ab.seq});
  // Alice is not in Carol's conversation with Bob: she never sees it; Bob does.
  CHECK(search(alice, "tokyo").hits.size() == 1);
  CHECK(search(bob, "tokyo").hits.size() == 2);
  CHECK(search(alice, "surprise").hits.empty());

  // Pages of one: newest first, the cursor continues below the last hit.
  auto first = search(bob, "o", std::nullopt, 1);
  REQUIRE(first.hits.size() == 1);
  REQUIRE(first.next_cursor);
  auto second = search(bob, "o", first.next_cursor, 1);
  REQUIRE(second.hits.size() == 1);
  const bool other = second.hits[0].seq != first.hits[0].seq ||
                     second.hits[0].conversation != first.hits[0].conversation;
  CHECK(other);
  CHECK(second.hits[0].ts <= first.hits[0].ts);

  // A made-up cursor is refused; after leaving, nothing of the group matches.
  auto bad = bob.call(protocol::search_req{"bad", "tokyo", std::string("not-a-cursor"), 20});
  REQUIRE(std::holds_alternative<protocol::error_frame>(bad));
  CHECK(std::get<protocol::error_frame>(bad).code == protocol::error_code::bad_field);
  REQUIRE(std::holds_alternative<protocol::ok_frame>(bob.call(protocol::leave_req{"l", group.id})));
  CHECK(search(bob, "tower").hits.empty());
  CHECK(search(bob, "東京").hits.empty());
  CHECK(search(bob, "tokyo").hits.size() == 1);  // Carol's conversation is still his
}
