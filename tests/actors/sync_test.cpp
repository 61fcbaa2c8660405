// Reconnect and sync: the gap is replayed from the log while live traffic goes on; every event
// reaches the connection exactly once, in seq order.
#include <catch2/catch.hpp>

#include <atomic>
#include <set>
#include <thread>

#include "harness.hpp"

using namespace chat;
using namespace chat::actors::test;
namespace p = chat::protocol;

TEST_CASE("Sync after a gap replays it, with live traffic during the sync: no loss, no duplicate",
          "[actors]") {
  auto backend = GENERATE(from_range(backends()));
  fixture fx{backend, unlimited};
  auto a = fx.make_user("alice"), b = fx.make_user("bob"), c = fx.make_user("carol");
  client alice{fx, a, "alice"}, carol{fx, c, "carol"};
  alice.hello();
  carol.hello();
  auto g = alice.create_group("g", {"bob", "carol"});  // seqs 1..4
  p::id_t bob_has = 0;
  {
    client bob{fx, b, "bob"};
    bob.hello();
    for (int i = 0; i < 10; ++i)
      alice.send_msg(g.id, "a" + std::to_string(i), "before " + std::to_string(i));
    auto evs = bob.wait_events(g.id, 10);  // he connected after the group was created
    REQUIRE(evs.size() == 10);
    CHECK(evs.back().seq == 14);
    bob_has = evs.back().seq;
  }
  // Bob is offline: a gap of 450 events (several replay pages).
  for (int i = 0; i < 450; ++i)
    alice.send(
        p::send_req{alice.next_id(), g.id, "gap" + std::to_string(i), "gap " + std::to_string(i)});
  alice.sink().wait([&](auto& f) { return of_type<p::ack_frame>(f).size() == 460; }, 30s);
  REQUIRE(alice.all<p::ack_frame>().size() == 460);

  client bob{fx, b, "bob"};
  bob.hello();
  // Carol keeps talking while Bob syncs.
  std::atomic<bool> go{true};
  std::thread live([&] {
    for (int i = 0; i < 200 && go; ++i) {
      carol.send(p::send_req{"live" + std::to_string(i), g.id, "live" + std::to_string(i),
                             "live " + std::to_string(i)});
      if (i % 10 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
  auto done = bob.call(p::sync_req{"sync1", {{g.id, bob_has}}}, 30s);
  live.join();
  carol.sink().wait([&](auto& f) { return of_type<p::ack_frame>(f).size() == 200; }, 30s);
  REQUIRE(carol.all<p::ack_frame>().size() == 200);
  REQUIRE(std::holds_alternative<p::sync_done_frame>(done));
  auto& positions = std::get<p::sync_done_frame>(done).positions;
  REQUIRE(positions.size() == 1);
  CHECK(positions[0].conversation == g.id);
  CHECK(positions[0].last_seq >= bob_has + 450);

  const p::id_t last = 4 + 10 + 450 + 200;
  auto evs = bob.wait_events(g.id, last - bob_has, 30s);
  REQUIRE(evs.size() == static_cast<std::size_t>(last - bob_has));
  for (std::size_t i = 0; i < evs.size(); ++i)
    CHECK(evs[i].seq == bob_has + 1 + static_cast<p::id_t>(i));
  // Give stray duplicates a moment to show up: there must be none.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  CHECK(bob.events(g.id).size() == evs.size());
}

TEST_CASE("Sync of a conversation the user is not in is left out of sync_done", "[actors]") {
  fixture fx{"sqlite"};
  auto a = fx.make_user("alice"), b = fx.make_user("bob"), c = fx.make_user("carol");
  client alice{fx, a, "alice"}, carol{fx, c, "carol"};
  alice.hello();
  carol.hello();
  auto d = alice.open_direct("bob");
  alice.send_msg(d.id, "1", "secret");
  auto done = carol.call(p::sync_req{"s", {{d.id, 0}, {424242, 0}}});
  REQUIRE(std::holds_alternative<p::sync_done_frame>(done));
  CHECK(std::get<p::sync_done_frame>(done).positions.empty());
  CHECK(carol.events(d.id).empty());
  (void)b;
}

TEST_CASE("A sync sent after welcome gets its replay before the live events that came in between",
          "[actors]") {
  auto backend = GENERATE(from_range(backends()));
  auto list_first = GENERATE(false, true);
  fixture fx{backend, [](actors::server_config& c) {
               unlimited(c);
               c.sync_hold = std::chrono::hours(1);  // only the requests end it, not the clock
             }};
  auto a = fx.make_user("alice"), b = fx.make_user("bob");
  client alice{fx, a, "alice"};
  alice.hello();
  auto d = alice.open_direct("bob");  // seqs 1..3
  for (int i = 0; i < 5; ++i) alice.send_msg(d.id, "old" + std::to_string(i), "while away");
  client bob{fx, b, "bob"};
  bob.hello();
  // Bob has the welcome but has not sent his sync yet (a client that waits for welcome first):
  // these arrive at his connection before the sync does.
  for (int i = 0; i < 3; ++i) alice.send_msg(d.id, "new" + std::to_string(i), "meanwhile");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  // A client may look up its conversations first (the Kotlin client does): that keeps the order.
  if (list_first)
    REQUIRE(
        std::holds_alternative<p::conversations_frame>(bob.call(p::list_conversations_req{"l", 200, std::nullopt})));
  auto done = bob.call(p::sync_req{"s", {{d.id, 0}}});
  REQUIRE(std::holds_alternative<p::sync_done_frame>(done));
  auto evs = bob.wait_events(d.id, 11);
  REQUIRE(evs.size() == 11);
  for (std::size_t i = 0; i < evs.size(); ++i) CHECK(evs[i].seq == static_cast<p::id_t>(i + 1));
}

TEST_CASE("Live events held after welcome go out at the first other request, or after sync_hold",
          "[actors]") {
  auto hold =
      GENERATE(std::chrono::milliseconds(std::chrono::hours(1)), std::chrono::milliseconds(50));
  fixture fx{"sqlite", [&](actors::server_config& c) {
               unlimited(c);
               c.sync_hold = hold;
             }};
  auto a = fx.make_user("alice"), b = fx.make_user("bob");
  client alice{fx, a, "alice"};
  alice.hello();
  auto d = alice.open_direct("bob");
  client bob{fx, b, "bob"};
  bob.hello();
  alice.send_msg(d.id, "m1", "one");
  alice.send_msg(d.id, "m2", "two");
  // With an hour's hold only a request that acts releases them (lookups do not); with 50 ms the
  // hold runs out by itself.
  if (hold > 1min) {
    REQUIRE(std::holds_alternative<p::pong_frame>(bob.call(p::ping_req{"p"})));
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(bob.events(d.id).empty());
    REQUIRE(std::holds_alternative<p::ok_frame>(bob.call(p::typing_req{"t", d.id})));
  }
  auto evs = bob.wait_events(d.id, 2);
  REQUIRE(evs.size() == 2);
  CHECK(evs[0].body == "one");
  CHECK(evs[1].body == "two");
}
