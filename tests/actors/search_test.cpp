// The search request end to end through the actors: connection -> database worker -> reply.
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "harness.hpp"
#include "protocol/serializer.hpp"

using namespace chat::actors::test;
using namespace chat;

namespace {

protocol::search_results_frame search(client& c, std::string query,
                                      std::optional<std::string> cursor = std::nullopt,
                                      int limit = 20) {
  // Searches draw on the user's database budget: a refusal is waited out, not a failure here.
  auto reply = c.call(protocol::search_req{c.next_id(), query, cursor, limit});
  for (int i = 0; i < 50; ++i) {
    auto* e = std::get_if<protocol::error_frame>(&reply);
    if (!e || e->code != protocol::error_code::rate_limited) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    reply = c.call(protocol::search_req{c.next_id(), query, cursor, limit});
  }
  INFO(protocol::serialize(reply));
  REQUIRE(std::holds_alternative<protocol::search_results_frame>(reply));
  return std::get<protocol::search_results_frame>(reply);
}

std::vector<protocol::id_t> seqs(const protocol::search_results_frame& f) {
  std::vector<protocol::id_t> out;
  for (auto& h : f.hits) out.push_back(h.seq);
  return out;
}

/// The index follows the log after the ack (the search indexer): ask again until `query` has
/// `n` hits, for at most 30 s (a loaded machine), then return what it has.
protocol::search_results_frame search_until(client& c, const std::string& query, std::size_t n) {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (true) {
    auto r = search(c, query);
    if (r.hits.size() == n || std::chrono::steady_clock::now() > until) return r;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
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
  REQUIRE(search_until(bob, "tokyo", 2).hits.size() == 2);
  REQUIRE(search_until(alice, "タワー", 1).hits.size() == 1);

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

TEST_CASE("search: a delete hides a message at once, an edit and new messages follow the ack",
          "[actors]") {
  auto backend = GENERATE(from_range(backends()));
  // The indexer waits an hour after a commit: only its start-up round runs during the test.
  auto lazy = [](actors::server_config& c) { c.search_index_delay = std::chrono::hours(1); };
  fixture fx{backend, lazy};
  const auto a = fx.make_user("alice"), b = fx.make_user("bob");
  protocol::id_t dm = 0;
  protocol::ack_frame gone, edited;
  {
    client alice{fx, a, "alice"}, bob{fx, b, "bob"};
    alice.hello();
    bob.hello();
    dm = alice.open_direct("bob").id;
    gone = alice.send_msg(dm, "m1", "the vault code is 1234");
    edited = alice.send_msg(dm, "m2", "meet at the old station");
    CHECK(search(bob, "vault").hits.empty());  // acked, not indexed yet
    fx.stop_server();
  }
  // A restart catches up on what the last run committed but did not index.
  fx.start_server(lazy);
  {
    client alice{fx, a, "alice"}, bob{fx, b, "bob"};
    alice.hello();
    bob.hello();
    REQUIRE(seqs(search_until(bob, "vault", 1)) == std::vector<protocol::id_t>{gone.seq});
    REQUIRE(seqs(search_until(bob, "station", 1)) == std::vector<protocol::id_t>{edited.seq});
    // The delete counts before the indexer sees it: the log says the message is gone.
    auto del = alice.call(protocol::delete_message_req{alice.next_id(), dm, "d1", gone.seq});
    REQUIRE(std::holds_alternative<protocol::ack_frame>(del));
    CHECK(search(bob, "vault").hits.empty());
    CHECK(search(bob, "12").hits.empty());
    // An edit replaces the old text once indexed (here: after the next start's catch-up).
    auto ed = alice.call(
        protocol::edit_message_req{alice.next_id(), dm, "e1", edited.seq, "meet at the harbour"});
    REQUIRE(std::holds_alternative<protocol::ack_frame>(ed));
    fx.stop_server();
  }
  fx.start_server();  // the default delay
  client bob{fx, b, "bob"};
  bob.hello();
  REQUIRE(seqs(search_until(bob, "harbour", 1)) == std::vector<protocol::id_t>{edited.seq});
  CHECK(search(bob, "station").hits.empty());
  CHECK(search(bob, "vault").hits.empty());
  auto fresh = bob.send_msg(dm, "m3", "a brand new harbour message");
  CHECK(seqs(search_until(bob, "harbour", 2)) ==
        std::vector<protocol::id_t>{fresh.seq, edited.seq});
}
