// Ordering-sensitive actor cases, run deterministically on CAF's test coordinator
// (coordinator_fixture.hpp): the test decides when an append becomes durable and which actor's
// messages run first, so each interleaving below happens on every run.
#include <catch2/catch.hpp>

#include "coordinator_fixture.hpp"
#include "util/shard.hpp"

using namespace chat;
using namespace chat::actors;
using namespace chat::actors::test;
namespace p = chat::protocol;

namespace {

std::vector<p::id_t> upto(p::id_t n) {
  std::vector<p::id_t> out;
  for (p::id_t s = 1; s <= n; ++s) out.push_back(s);
  return out;
}

}  // namespace

TEST_CASE(
    "A send reaching the shard while its conversation passivates waits there, and goes to a "
    "fresh actor only after the in-flight append is durable",
    "[actors][ordering]") {
  coordinator_fixture fx;
  auto alice = fx.make_user("alice"), bob = fx.make_user("bob");
  auto g = fx.make_group("g", {alice, bob});  // seqs 1..3
  auto a = fx.connect(alice, "alice");
  fx.hello(a);

  fx.say(a, p::send_req{"s1", g, "m1", "one"});
  fx.run();
  REQUIRE(fx.log().held.size() == 1);
  auto first = fx.log().held.front().from;  // the conversation actor that owns g now
  CHECK(fx.held_events().front().seq == 4);

  // chatctl passivate (the sweep's path too): the actor must finish the append first.
  caf::anon_send(fx.shard_of_conversation(g), passivate_atom_v, g);
  fx.run();
  CHECK_FALSE(terminated(first));

  // This send is held by the shard: neither the passivating actor nor a second one sees it.
  fx.say(a, p::send_req{"s2", g, "m2", "two"});
  fx.run();
  CHECK(fx.log().appends == 1);
  CHECK(a.replies("s1").empty());
  CHECK(a.replies("s2").empty());

  // m1 becomes durable: acked by the first actor, which then stops; the held send activates a
  // fresh actor that reads seq 4 from the log and gives m2 seq 5.
  fx.commit_next();
  fx.run();
  CHECK(a.reply<p::ack_frame>("s1").seq == 4);
  CHECK(terminated(first));
  REQUIRE(fx.log().held.size() == 1);
  CHECK(fx.log().held.front().from != first);
  CHECK(fx.held_events().front().seq == 5);
  CHECK(fx.held_events().front().client_msg_id == "m2");

  fx.commit_next();
  fx.run();
  auto second = a.reply<p::ack_frame>("s2");
  CHECK(second.seq == 5);
  CHECK_FALSE(second.duplicate);
  CHECK(fx.rt().metrics->passivations.Value() == 1);
  CHECK(a.seqs(g) == std::vector<p::id_t>{4, 5});
}

TEST_CASE(
    "A resend racing its original is answered with the original's ack and never written twice, "
    "also when the original fails",
    "[actors][ordering]") {
  coordinator_fixture fx;
  auto alice = fx.make_user("alice"), bob = fx.make_user("bob");
  auto g = fx.make_group("g", {alice, bob});  // seqs 1..3
  auto a = fx.connect(alice, "alice");
  auto b = fx.connect(bob, "bob");
  fx.hello(a);
  fx.hello(b);
  fx.say(b, p::sync_req{"sync", {{g, 3}}});
  fx.run();

  SECTION("the resend arrives while the original is at the log writer") {
    fx.say(a, p::send_req{"s1", g, "m1", "one"});
    fx.run();
    fx.say(a, p::send_req{"s1-again", g, "m1", "one"});
    fx.run();
    CHECK(fx.log().events == 1);
    CHECK(a.replies("s1-again").empty());  // it waits for the original
    fx.commit_next();
    fx.run();
    auto orig = a.reply<p::ack_frame>("s1"), again = a.reply<p::ack_frame>("s1-again");
    CHECK(orig.seq == 4);
    CHECK_FALSE(orig.duplicate);
    CHECK(again.seq == 4);
    CHECK(again.duplicate);
    CHECK(again.ts == orig.ts);
    CHECK(fx.log().events == 1);
    CHECK(b.seqs(g) == std::vector<p::id_t>{4});
  }

  SECTION("the resend arrives while the original is queued behind a batch in flight") {
    fx.say(a, p::send_req{"s1", g, "m1", "one"});
    fx.run();
    fx.say(a, p::send_req{"s2", g, "m2", "two"});  // queued: m1's batch is in flight
    fx.say(a, p::send_req{"s2-again", g, "m2", "two"});
    fx.run();
    CHECK(fx.log().appends == 1);
    fx.commit_next();
    fx.run();
    REQUIRE(fx.log().held.size() == 1);
    REQUIRE(fx.held_events().size() == 1);  // m2 once, not its resend
    CHECK(fx.held_events().front().client_msg_id == "m2");
    CHECK(a.replies("s2-again").empty());
    fx.commit_next();
    fx.run();
    CHECK(a.reply<p::ack_frame>("s2").seq == 5);
    auto again = a.reply<p::ack_frame>("s2-again");
    CHECK(again.seq == 5);
    CHECK(again.duplicate);
    CHECK(fx.log().events == 2);
    CHECK(b.seqs(g) == std::vector<p::id_t>{4, 5});
  }

  SECTION("the original fails: the resend hears the failure too, and the next retry is written") {
    fx.say(a, p::send_req{"s1", g, "m1", "one"});
    fx.run();
    fx.say(a, p::send_req{"s1-again", g, "m1", "one"});
    fx.run();
    fx.log().fail_next = persistence::errc::unavailable;
    fx.commit_next();
    fx.run();
    CHECK(a.reply<p::error_frame>("s1").code == p::error_code::unavailable);
    CHECK(a.reply<p::error_frame>("s1-again").code == p::error_code::unavailable);
    CHECK(b.seqs(g).empty());
    fx.say(a, p::send_req{"s1-retry", g, "m1", "one"});
    fx.run();
    REQUIRE(fx.log().held.size() == 1);
    CHECK(fx.held_events().front().seq == 4);  // the failed seq is reused: no gap
    fx.commit_next();
    fx.run();
    auto retry = a.reply<p::ack_frame>("s1-retry");
    CHECK(retry.seq == 4);
    CHECK_FALSE(retry.duplicate);
    CHECK(b.seqs(g) == std::vector<p::id_t>{4});
  }
}

TEST_CASE(
    "A live event that becomes durable during a sync's replay is written once, in seq order, "
    "whichever reaches the connection first (the event or the replay page)",
    "[actors][ordering]") {
  coordinator_fixture fx{2};
  auto alice = fx.make_user("alice"), bob = fx.make_user("bob");
  auto g = fx.make_group("g", {alice, bob});  // seqs 1..3
  // The live event and the replay page travel different ways (user shard -> user actor, and
  // conversation shard -> conversation): on different shards either may arrive first.
  auto conv_shard = ptr(fx.shard_of_conversation(g));
  auto bob_shard = ptr(fx.shard_of_user(bob));
  REQUIRE(conv_shard != bob_shard);
  auto a = fx.connect(alice, "alice");
  auto b = fx.connect(bob, "bob");
  fx.hello(a);
  fx.hello(b);

  // Alice's m1 (seq 4) is at the log writer when Bob, back from offline, syncs from 0.
  fx.say(a, p::send_req{"s1", g, "m1", "live"});
  fx.run();
  REQUIRE(fx.log().held.size() == 1);
  fx.say(b, p::sync_req{"sync", {{g, 0}}});
  fx.run_only(ptr(b.actor));  // its history request waits in the conversation's shard

  // m1 becomes durable before the conversation sees the history request, so the page will
  // hold seq 4 too; its delivery waits in both shards.
  fx.commit_next();
  fx.run_except({ptr(b.actor), conv_shard, bob_shard});
  CHECK(a.reply<p::ack_frame>("s1").seq == 4);

  SECTION("the live event first, then the page") {
    fx.run_except({ptr(b.actor), conv_shard});  // Bob's mailbox: the event
    fx.run_except({ptr(b.actor)});              // then the page 1..4
  }
  SECTION("the page first, then the live event") {
    fx.run_except({ptr(b.actor), bob_shard});  // Bob's mailbox: the page 1..4
    fx.run_except({ptr(b.actor)});             // then the event
  }
  fx.run();
  CHECK(b.seqs(g) == upto(4));
  auto done = b.reply<p::sync_done_frame>("sync");
  REQUIRE(done.positions.size() == 1);
  CHECK(done.positions.front().conversation == g);
  CHECK(done.positions.front().last_seq == 4);
  // Nothing of g after sync_done: the live copy of 4 was dropped, not written late.
  auto frames = b.frames();
  auto at_done = std::find_if(frames.begin(), frames.end(), [](auto& f) {
    return std::holds_alternative<p::sync_done_frame>(f);
  });
  CHECK(std::none_of(at_done, frames.end(),
                     [](auto& f) { return std::holds_alternative<p::event_frame>(f); }));
}

TEST_CASE(
    "A live event arriving between two pages of a replay waits for the rest of the replay, and "
    "the events after it follow in order",
    "[actors][ordering]") {
  coordinator_fixture fx{2};
  auto alice = fx.make_user("alice"), bob = fx.make_user("bob");
  auto g = fx.make_group("g", {alice, bob});  // seqs 1..3
  fx.append_messages(g, alice, 297);          // 300 events: two replay pages of at most 200
  auto conv_shard = ptr(fx.shard_of_conversation(g));
  auto a = fx.connect(alice, "alice");
  auto b = fx.connect(bob, "bob");
  fx.hello(a);
  fx.hello(b);

  // Bob syncs from 0. The first page (older than the conversation's tail: a database read)
  // reaches his mailbox; he has not read it yet.
  fx.say(b, p::sync_req{"sync", {{g, 0}}});
  fx.run_except({conv_shard});
  fx.run_only(conv_shard);  // activates the conversation, hands it the history request
  fx.run_except({conv_shard, ptr(b.actor)});
  fx.run_except({ptr(b.actor)});
  REQUIRE(b.frames().size() == 1);  // still only the welcome

  // Alice's message becomes durable and its live copy queues behind the page.
  fx.say(a, p::send_req{"l1", g, "l1", "live"});
  fx.run_except({ptr(b.actor)});
  fx.commit_next();
  fx.run_except({ptr(b.actor)});
  CHECK(a.reply<p::ack_frame>("l1").seq == 301);

  // Bob writes page 1, asks for page 2, buffers 301 meanwhile, and writes it once, after 300.
  fx.run();
  auto done = b.reply<p::sync_done_frame>("sync");
  REQUIRE(done.positions.size() == 1);
  CHECK(done.positions.front().last_seq == 301);
  CHECK(b.seqs(g) == upto(301));

  fx.say(a, p::send_req{"l2", g, "l2", "live"});
  fx.run();
  fx.commit_next();
  fx.run();
  CHECK(b.seqs(g) == upto(302));
}
