// Messaging through the actors: real protocol frames in, frames out, a real database underneath.
#include <catch2/catch.hpp>
#include <optional>
#include <set>
#include <thread>

#include "protocol/limits.hpp"
#include "protocol/serializer.hpp"

#include "harness.hpp"

using namespace chat;
using namespace chat::actors::test;
namespace p = chat::protocol;

namespace {

std::vector<std::string> bodies(const std::vector<p::event_frame>& events) {
  std::vector<std::string> out;
  for (auto& e : events)
    if (e.type == "message") out.push_back(e.body);
  return out;
}

}  // namespace

TEST_CASE("Alice and Bob talk in a direct conversation", "[actors]") {
  auto backend = GENERATE(from_range(backends()));
  fixture fx{backend};
  auto alice_id = fx.make_user("alice");
  auto bob_id = fx.make_user("bob");
  client alice{fx, alice_id, "alice"}, bob{fx, bob_id, "bob"};
  alice.hello();
  bob.hello();

  auto conv = alice.open_direct("bob");
  CHECK(conv.kind == "direct");
  REQUIRE(conv.members.size() == 2);
  // The same pair, in either order, gets the same conversation.
  CHECK(bob.open_direct("alice").id == conv.id);
  CHECK(alice.open_direct("BOB").id == conv.id);

  auto ack = alice.send_msg(conv.id, "m1", "hi bob");
  CHECK(ack.conversation == conv.id);
  CHECK(ack.client_msg_id == "m1");
  CHECK_FALSE(ack.duplicate);
  CHECK(ack.seq == conv.last_seq + 1);

  auto got = bob.wait_events(conv.id, 4);  // created, 2 x member_added, the message
  REQUIRE(bob.events(conv.id).back().body == "hi bob");
  auto msg = bob.events(conv.id).back();
  CHECK(msg.sender.id == alice_id);
  CHECK(msg.sender.username == "alice");
  CHECK(msg.seq == ack.seq);
  CHECK(msg.ts == ack.ts);
  CHECK(msg.event_id.size() == 32);

  auto reply = bob.send_msg(conv.id, "b1", "hello alice");
  CHECK(reply.seq == ack.seq + 1);
  alice.wait_events(conv.id, 5);
  CHECK(bodies(alice.events(conv.id)) == std::vector<std::string>{"hi bob", "hello alice"});

  // Errors are values: a direct conversation with yourself, an unknown user.
  CHECK(code_of(alice.call(p::open_direct_req{alice.next_id(), "alice"})) ==
        p::error_code::forbidden);
  CHECK(code_of(alice.call(p::open_direct_req{alice.next_id(), "nobody"})) ==
        p::error_code::not_found);
  // Direct conversations have fixed members.
  fx.make_user("carol");
  CHECK(code_of(alice.call(p::add_member_req{alice.next_id(), conv.id, "carol"})) ==
        p::error_code::forbidden);
  CHECK(code_of(alice.call(p::leave_req{alice.next_id(), conv.id})) == p::error_code::forbidden);
}

TEST_CASE("A group of three: create, send, add, remove, leave", "[actors]") {
  auto backend = GENERATE(from_range(backends()));
  fixture fx{backend};
  auto a = fx.make_user("ann"), b = fx.make_user("ben"), c = fx.make_user("cid"),
       d = fx.make_user("dee");
  client ann{fx, a, "ann"}, ben{fx, b, "ben"}, cid{fx, c, "cid"}, dee{fx, d, "dee"};
  for (auto* cl : {&ann, &ben, &cid, &dee}) cl->hello();

  auto g = ann.create_group("trio", {"ben", "Cid", "ben"});
  CHECK(g.kind == "group");
  CHECK(g.title == "trio");
  CHECK(g.members.size() == 3);

  auto ack = ben.send_msg(g.id, "x", "hello group");
  for (auto* cl : {&ann, &ben, &cid}) {
    auto evs = cl->wait_events(g.id, 5);
    REQUIRE(evs.size() == 5);
    CHECK(evs[0].type == "created");
    CHECK(evs[0].body == "trio");
    CHECK(evs[4].body == "hello group");
    CHECK(evs[4].seq == ack.seq);
  }
  CHECK(dee.events(g.id).empty());
  CHECK(code_of(dee.call(p::send_req{dee.next_id(), g.id, "d1", "let me in"})) ==
        p::error_code::not_member);

  auto added = as<p::conversation_frame>(cid.call(p::add_member_req{cid.next_id(), g.id, "dee"}));
  CHECK(added.conversation.members.size() == 4);
  auto dee_events = dee.wait_events(g.id, 1);
  CHECK(dee_events.front().type == "member_added");
  CHECK(dee_events.front().subject->id == d);
  dee.send_msg(g.id, "d1", "thanks");
  ann.wait_events(g.id, 7);

  auto removed =
      as<p::conversation_frame>(ann.call(p::remove_member_req{ann.next_id(), g.id, "ben"}));
  CHECK(removed.conversation.members.size() == 3);
  // Ben hears that he was removed, then is refused.
  auto ben_events = ben.wait_events(g.id, 8);
  CHECK(ben_events.back().type == "member_removed");
  CHECK(code_of(ben.call(p::send_req{ben.next_id(), g.id, "b2", "hey"})) ==
        p::error_code::not_member);
  CHECK(code_of(ben.call(p::history_req{ben.next_id(), g.id, std::nullopt, std::nullopt, 50})) ==
        p::error_code::not_member);

  as<p::ok_frame>(cid.call(p::leave_req{cid.next_id(), g.id}));
  auto ann_events = ann.wait_events(g.id, 9);
  CHECK(ann_events.back().type == "member_left");
  CHECK(ann_events.back().subject->id == c);

  // Typing reaches the others, not the typist; read receipts reach the members.
  as<p::ok_frame>(ann.call(p::typing_req{ann.next_id(), g.id}));
  auto t = dee.expect<p::typing_frame>();
  CHECK(t.user.id == a);
  CHECK(ann.all<p::typing_frame>().empty());
  as<p::ok_frame>(dee.call(p::read_req{dee.next_id(), g.id, ann_events.back().seq}));
  auto r = ann.expect<p::read_frame>();
  CHECK(r.user.id == d);
  CHECK(code_of(dee.call(p::read_req{dee.next_id(), g.id, 10'000})) == p::error_code::bad_field);

  auto list = as<p::conversations_frame>(
      ann.call(p::list_conversations_req{ann.next_id(), 200, std::nullopt}));
  REQUIRE(list.conversations.size() == 1);
  CHECK(list.conversations[0].id == g.id);
  CHECK(list.conversations[0].last_seq == ann_events.back().seq);
  REQUIRE(list.conversations[0].last_event);
  CHECK(list.conversations[0].last_event->type == "member_left");

  auto users = as<p::users_frame>(ann.call(p::search_users_req{ann.next_id(), "d", 10}));
  REQUIRE(users.users.size() == 1);
  CHECK(users.users[0].username == "dee");
  as<p::pong_frame>(ann.call(p::ping_req{ann.next_id()}));
}

TEST_CASE("Every connection of a user gets every event once (multi-device)", "[actors]") {
  auto backend = GENERATE(from_range(backends()));
  fixture fx{backend};
  auto a = fx.make_user("alice"), b = fx.make_user("bob");
  client alice{fx, a, "alice"}, phone{fx, b, "bob"}, laptop{fx, b, "bob"};
  alice.hello();
  phone.hello();
  laptop.hello();
  auto conv = alice.open_direct("bob");
  for (int i = 0; i < 5; ++i)
    alice.send_msg(conv.id, "m" + std::to_string(i), "msg " + std::to_string(i));
  auto one = phone.wait_events(conv.id, 8);
  auto two = laptop.wait_events(conv.id, 8);
  REQUIRE(one.size() == 8);
  REQUIRE(two.size() == 8);
  for (std::size_t i = 0; i < one.size(); ++i) {
    CHECK(one[i].seq == static_cast<p::id_t>(i + 1));
    CHECK(two[i].seq == static_cast<p::id_t>(i + 1));
  }
  // Bob's own send from the phone reaches his laptop too.
  phone.send_msg(conv.id, "p1", "from my phone");
  CHECK(laptop.wait_events(conv.id, 9).back().body == "from my phone");
  // A closed device stops receiving; the other goes on.
  phone.close();
  alice.send_msg(conv.id, "m9", "after close");
  CHECK(laptop.wait_events(conv.id, 10).back().body == "after close");
}

TEST_CASE("A resend with the same client_msg_id gets the original ack and stores nothing",
          "[actors]") {
  auto backend = GENERATE(from_range(backends()));
  fixture fx{backend};
  auto a = fx.make_user("alice"), b = fx.make_user("bob");
  client alice{fx, a, "alice"}, bob{fx, b, "bob"};
  alice.hello();
  bob.hello();
  auto conv = alice.open_direct("bob");
  auto first = alice.send_msg(conv.id, "same", "once");
  auto again = alice.send_msg(conv.id, "same", "once");
  CHECK(again.duplicate);
  CHECK(again.seq == first.seq);
  CHECK(again.ts == first.ts);
  auto next = alice.send_msg(conv.id, "other", "twice");
  CHECK(next.seq == first.seq + 1);
  // Bob got the message once.
  auto evs = bob.wait_events(conv.id, 5);
  CHECK(bodies(evs) == std::vector<std::string>{"once", "twice"});

  SECTION("also after the conversation was rebuilt (window reloaded from the log)") {
    fx.restart();
    client alice2{fx, a, "alice"};
    alice2.hello();
    auto later = alice2.send_msg(conv.id, "same", "once");
    CHECK(later.duplicate);
    CHECK(later.seq == first.seq);
  }
  SECTION("resends racing the original are answered when it is durable") {
    for (int i = 0; i < 5; ++i)
      alice.send(p::send_req{"race" + std::to_string(i), conv.id, "burst", "x"});
    std::vector<p::ack_frame> acks;
    alice.sink().wait([&](auto& frames) {
      acks.clear();
      for (auto& ack : of_type<p::ack_frame>(frames))
        if (ack.client_msg_id == "burst") acks.push_back(ack);
      return acks.size() == 5;
    });
    REQUIRE(acks.size() == 5);
    int originals = 0;
    for (auto& ack : acks) {
      CHECK(ack.seq == acks[0].seq);
      originals += ack.duplicate ? 0 : 1;
    }
    CHECK(originals == 1);
  }
}

TEST_CASE("History comes in pages", "[actors]") {
  auto backend = GENERATE(from_range(backends()));
  fixture fx{backend, unlimited};
  auto a = fx.make_user("alice");
  fx.make_user("bob");
  client alice{fx, a, "alice"};
  alice.hello();
  auto conv = alice.open_direct("bob");  // seqs 1..3
  for (int i = 1; i <= 300; ++i)
    alice.send(
        p::send_req{alice.next_id(), conv.id, "c" + std::to_string(i), "n" + std::to_string(i)});
  alice.sink().wait([&](auto& frames) { return of_type<p::ack_frame>(frames).size() == 300; }, 30s);
  REQUIRE(alice.all<p::ack_frame>().size() == 300);
  const p::id_t last = 303;

  auto check_page = [](const p::history_frame& h, p::id_t lo, p::id_t hi, bool more) {
    REQUIRE(h.events.size() == static_cast<std::size_t>(hi - lo + 1));
    CHECK(h.events.front().seq == lo);
    CHECK(h.events.back().seq == hi);
    CHECK(h.has_more == more);
  };
  auto newest = as<p::history_frame>(
      alice.call(p::history_req{alice.next_id(), conv.id, std::nullopt, std::nullopt, 50}));
  check_page(newest, last - 49, last, true);
  auto older = as<p::history_frame>(alice.call(
      p::history_req{alice.next_id(), conv.id, newest.events.front().seq, std::nullopt, 100}));
  check_page(older, last - 149, last - 50, true);
  // Beyond the in-memory tail: read from the database.
  auto oldest = as<p::history_frame>(
      alice.call(p::history_req{alice.next_id(), conv.id, 60, std::nullopt, 100}));
  check_page(oldest, 1, 59, false);
  CHECK(oldest.events.front().type == "created");
  auto forward = as<p::history_frame>(
      alice.call(p::history_req{alice.next_id(), conv.id, std::nullopt, 10, 20}));
  check_page(forward, 11, 30, true);
  CHECK(forward.events[0].body == "n8");
  auto clamped = as<p::history_frame>(
      alice.call(p::history_req{alice.next_id(), conv.id, std::nullopt, 0, 5000}));
  check_page(clamped, 1, 200, true);
  auto end = as<p::history_frame>(
      alice.call(p::history_req{alice.next_id(), conv.id, std::nullopt, last, 20}));
  CHECK(end.events.empty());
  CHECK_FALSE(end.has_more);
  CHECK(code_of(alice.call(p::history_req{alice.next_id(), 987654, std::nullopt, std::nullopt,
                                          10})) == p::error_code::not_found);
}

TEST_CASE("One sender's rapid sends are acked and delivered in order", "[actors]") {
  auto backend = GENERATE(from_range(backends()));
  fixture fx{backend, unlimited};
  auto a = fx.make_user("alice"), b = fx.make_user("bob");
  client alice{fx, a, "alice"}, bob{fx, b, "bob"};
  alice.hello();
  bob.hello();
  auto conv = alice.open_direct("bob");
  constexpr int n = 500;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i)
    alice.send(
        p::send_req{"s" + std::to_string(i), conv.id, "k" + std::to_string(i), std::to_string(i)});
  alice.sink().wait([&](auto& f) { return of_type<p::ack_frame>(f).size() >= n; }, 30s);
  auto acks = alice.all<p::ack_frame>();
  REQUIRE(acks.size() == n);
  CHECK(alice.all<p::error_frame>().empty());
  // Acks come in send order with increasing seqs.
  for (std::size_t i = 1; i < acks.size(); ++i) CHECK(acks[i].seq == acks[i - 1].seq + 1);
  auto evs = bob.wait_events(conv.id, 3 + acks.size(), 30s);
  auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  REQUIRE(evs.size() == 3 + acks.size());
  for (std::size_t i = 1; i < evs.size(); ++i) CHECK(evs[i].seq == evs[i - 1].seq + 1);
  // Bodies in the order they were sent.
  int prev = -1;
  for (auto& e : evs)
    if (e.type == "message") {
      CHECK(std::stoi(e.body) > prev);
      prev = std::stoi(e.body);
    }
  WARN(backend << ": " << acks.size() << " sends acked+delivered in " << elapsed << " s");
}

TEST_CASE("Requests over the rate limit get rate_limited and the connection stays usable",
          "[actors]") {
  fixture fx{"sqlite"};
  auto a = fx.make_user("alice");
  client alice{fx, a, "alice"};
  alice.hello();
  for (int i = 0; i < 60; ++i) alice.send(p::ping_req{"p" + std::to_string(i)});
  alice.sink().wait([&](auto& frames) { return frames.size() >= 61; });
  auto pongs = alice.all<p::pong_frame>().size();
  auto limited = alice.all<p::error_frame>();
  CHECK(pongs + limited.size() == 60);
  CHECK(pongs <= 41);
  REQUIRE_FALSE(limited.empty());
  CHECK(limited.front().code == p::error_code::rate_limited);
  CHECK(limited.front().ref.rfind("p", 0) == 0);
  std::this_thread::sleep_for(200ms);
  as<p::pong_frame>(alice.call(p::ping_req{"later"}));
  auto m = fx.srv().snapshot();
  bool counted = false;
  for (auto& [code, n] : m.errors_by_code)
    counted |= code == "rate_limited" && n == static_cast<std::int64_t>(limited.size());
  CHECK(counted);
}

TEST_CASE("Hello is required first and checks the version; bad frames get error frames",
          "[actors]") {
  fixture fx{"sqlite"};
  auto a = fx.make_user("alice");
  client alice{fx, a, "alice"};
  CHECK(code_of(alice.call(p::ping_req{"early"})) == p::error_code::not_authenticated);
  CHECK(code_of(alice.call(p::hello_req{"h0", 2, std::nullopt})) ==
        p::error_code::unsupported_version);
  alice.hello();
  CHECK(code_of(alice.call(p::hello_req{"h2", 1, std::nullopt})) ==
        p::error_code::already_authenticated);
  alice.raw("{not json");
  alice.raw(R"({"type":"send","id":"bad1","conversation":1})");
  alice.sink().wait([&](auto& frames) { return of_type<p::error_frame>(frames).size() >= 5; });
  auto errors = alice.all<p::error_frame>();
  REQUIRE(errors.size() == 5);
  CHECK(errors[3].code == p::error_code::bad_json);
  CHECK(errors[4].ref == "bad1");
  as<p::pong_frame>(alice.call(p::ping_req{"still-fine"}));
}

TEST_CASE("A user has at most max_connections_per_user connections", "[actors]") {
  fixture fx{"sqlite"};
  auto a = fx.make_user("alice");
  std::vector<std::unique_ptr<client>> devices;
  for (int i = 0; i < p::limits::max_connections_per_user; ++i) {
    devices.push_back(std::make_unique<client>(fx, a, "alice"));
    devices.back()->hello();
  }
  client extra{fx, a, "alice"};
  CHECK(code_of(extra.call(p::hello_req{"h", 1, std::nullopt})) ==
        p::error_code::too_many_connections);
  CHECK(extra.sink().wait_closed() == 4029);
  devices.front()->close();
  std::this_thread::sleep_for(100ms);
  client again{fx, a, "alice"};
  again.hello();
}

TEST_CASE("A resend older than the idempotency window is caught by the log's unique key",
          "[actors]") {
  auto backend = GENERATE(from_range(backends()));
  fixture fx{backend, unlimited};
  auto a = fx.make_user("alice");
  fx.make_user("bob");
  p::id_t conv = 0;
  p::ack_frame first{};
  p::id_t last = 0;
  {
    client alice{fx, a, "alice"};
    alice.hello();
    conv = alice.open_direct("bob").id;
    first = alice.send_msg(conv, "old", "the first one");
    for (int i = 0; i < 300; ++i)
      alice.send(p::send_req{alice.next_id(), conv, "n" + std::to_string(i), "filler"});
    alice.sink().wait([&](auto& f) { return of_type<p::ack_frame>(f).size() == 301; }, 30s);
    last = alice.all<p::ack_frame>().back().seq;
  }
  fx.restart(unlimited);  // the rebuilt window holds only the newest events
  client alice{fx, a, "alice"};
  alice.hello();
  // While "lead" is in the log writer, the old resend and a new message queue up and usually
  // travel as one batch: the old one fails on the unique key and gets its original ack, the new
  // one is renumbered and stored right after "lead".
  alice.send(p::send_req{"lead", conv, "lead", "in flight"});
  alice.send(p::send_req{"dup", conv, "old", "the first one"});
  alice.send(p::send_req{"new", conv, "fresh", "a new one"});
  auto lead = alice.expect<p::ack_frame>([](auto& f) { return f.ref == "lead"; });
  auto dup = alice.expect<p::ack_frame>([](auto& f) { return f.ref == "dup"; });
  auto fresh = alice.expect<p::ack_frame>([](auto& f) { return f.ref == "new"; });
  CHECK(lead.seq == last + 1);
  CHECK(dup.duplicate);
  CHECK(dup.seq == first.seq);
  CHECK(dup.ts == first.ts);
  CHECK_FALSE(fresh.duplicate);
  CHECK(fresh.seq == last + 2);
  auto page = as<p::history_frame>(
      alice.call(p::history_req{alice.next_id(), conv, std::nullopt, std::nullopt, 3}));
  REQUIRE(page.events.size() == 3);
  CHECK(page.events[1].client_msg_id == "lead");
  CHECK(page.events[2].seq == last + 2);
  CHECK(page.events[2].client_msg_id == "fresh");
}

TEST_CASE("Presence goes to the users one shares a conversation with", "[actors]") {
  fixture fx{"sqlite"};
  auto a = fx.make_user("alice"), b = fx.make_user("bob"), c = fx.make_user("carol");
  client alice{fx, a, "alice"}, carol{fx, c, "carol"};
  alice.hello();
  carol.hello();
  alice.open_direct("bob");
  {
    client bob{fx, b, "bob"};
    bob.hello();
    auto on = alice.expect<p::presence_frame>([&](auto& f) { return f.user.id == b && f.online; });
    CHECK(on.user.username == "bob");
    client bob_phone{fx, b, "bob"};  // a second device changes nothing
    bob_phone.hello();
  }
  alice.expect<p::presence_frame>([&](auto& f) { return f.user.id == b && !f.online; });
  std::this_thread::sleep_for(100ms);
  auto all = alice.all<p::presence_frame>();
  CHECK(all.size() == 2);  // online once, offline once
  CHECK(carol.all<p::presence_frame>().empty());
}

TEST_CASE("Frames pipelined behind hello are all answered after the welcome, malformed ones too",
          "[actors]") {
  fixture fx{"sqlite"};
  auto a = fx.make_user("alice");
  client alice{fx, a, "alice"};
  // No waiting between them: the last three arrive while the welcome is pending.
  alice.send(p::hello_req{"h1", p::protocol_version, std::nullopt});
  alice.raw("{not json");
  alice.raw(R"({"type":"send","id":"bad1","conversation":1})");
  alice.send(p::ping_req{"p1"});
  alice.expect<p::pong_frame>([](auto& f) { return f.ref == "p1"; });
  auto errors = alice.all<p::error_frame>();
  REQUIRE(errors.size() == 2);
  CHECK(errors[0].code == p::error_code::bad_json);
  CHECK(errors[1].ref == "bad1");
}

TEST_CASE("A read position never moves back: a lower read is acked, not stored or pushed",
          "[actors]") {
  fixture fx{"sqlite"};
  auto a = fx.make_user("ann"), b = fx.make_user("ben");
  client ann{fx, a, "ann"}, ben{fx, b, "ben"};
  ann.hello();
  ben.hello();
  auto conv = ann.open_direct("ben");
  ann.send_msg(conv.id, "m1", "one");
  auto last = ann.send_msg(conv.id, "m2", "two").seq;
  as<p::ok_frame>(ben.call(p::read_req{ben.next_id(), conv.id, last}));
  ann.expect<p::read_frame>([&](auto& f) { return f.seq == last; });
  as<p::ok_frame>(ben.call(p::read_req{ben.next_id(), conv.id, last - 1}));
  // A later event of the same conversation travels the same FIFO path: once it is here, a push
  // of the lower read would be here too.
  auto m3 = ben.send_msg(conv.id, "m3", "three").seq;
  ann.expect<p::event_frame>([&](auto& f) { return f.seq == m3; });
  auto reads = ann.all<p::read_frame>();
  REQUIRE(reads.size() == 1);
  CHECK(reads[0].seq == last);
  auto list = as<p::conversations_frame>(
      ben.call(p::list_conversations_req{ben.next_id(), 200, std::nullopt}));
  REQUIRE(list.conversations.size() == 1);
  CHECK(list.conversations[0].read_seq == last);
}

TEST_CASE("A user's connections share one database budget; another user keeps their own",
          "[actors]") {
  fixture fx{"sqlite", [](actors::server_config& c) {
               unlimited(c);              // the request rate limit is out of the way
               c.db_work_burst = 20;      // five lists
               c.db_work_per_second = 1;  // slow refill: a loaded machine cannot blur the count
             }};
  auto a = fx.make_user("ann");
  auto b = fx.make_user("ben");
  client ann{fx, a, "ann"}, ann_phone{fx, a, "ann"}, ben{fx, b, "ben"};
  ann.hello();
  ann_phone.hello();
  ben.hello();
  // 20 units, 4 per list: three lists on one connection and two on the other spend it for both
  // (per connection, each would have had five).
  for (int i = 0; i < 3; ++i)
    as<p::conversations_frame>(ann.call(p::list_conversations_req{ann.next_id()}));
  for (int i = 0; i < 2; ++i)
    as<p::conversations_frame>(ann_phone.call(p::list_conversations_req{ann_phone.next_id()}));
  CHECK(code_of(ann.call(p::list_conversations_req{ann.next_id()})) == p::error_code::rate_limited);
  CHECK(code_of(ann_phone.call(p::list_conversations_req{ann_phone.next_id()})) ==
        p::error_code::rate_limited);
  CHECK(code_of(ann_phone.call(p::search_req{ann_phone.next_id(), "hello", std::nullopt, 20})) ==
        p::error_code::rate_limited);  // search draws on the same budget
  // Ben is not touched by Ann's spending.
  for (int i = 0; i < 5; ++i)
    as<p::conversations_frame>(ben.call(p::list_conversations_req{ben.next_id()}));
  // Refused requests are not abuse: Ann's connections stay open and answer.
  as<p::pong_frame>(ann.call(p::ping_req{ann.next_id()}));
  as<p::pong_frame>(ann_phone.call(p::ping_req{ann_phone.next_id()}));
  // It refills: a few seconds later a list goes through again, on either connection.
  std::this_thread::sleep_for(std::chrono::milliseconds(4200));
  as<p::conversations_frame>(
      ann_phone.call(p::list_conversations_req{ann_phone.next_id(), 200, std::nullopt}));
}

TEST_CASE("list_conversations pages with a cursor, newest activity first, each conversation once",
          "[actors]") {
  auto backend = GENERATE(from_range(backends()));
  fixture fx{backend, [](actors::server_config& c) {
               unlimited(c);
               c.db_work_burst = 1000;
             }};
  auto a = fx.make_user("ann");
  client ann{fx, a, "ann"};
  ann.hello();
  std::vector<std::int64_t> opened;  // oldest first
  for (int i = 0; i < 5; ++i) {
    auto name = "peer" + std::to_string(i);
    fx.make_user(name);
    auto conv = as<p::conversation_frame>(ann.call(p::open_direct_req{ann.next_id(), name}));
    opened.push_back(conv.conversation.id);
    ann.send_msg(conv.conversation.id, "m" + std::to_string(i), "hello");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // distinct activity times
  }
  std::vector<std::int64_t> seen;
  std::optional<std::string> cursor;
  int pages = 0;
  do {
    p::list_conversations_req req{ann.next_id(), 2, cursor};
    auto page = as<p::conversations_frame>(ann.call(req));
    CHECK(page.conversations.size() <= 2);
    for (auto& c : page.conversations) seen.push_back(c.id);
    cursor = page.next_cursor;
    ++pages;
  } while (cursor && pages < 10);
  CHECK(pages == 3);
  CHECK(seen == std::vector<std::int64_t>(opened.rbegin(), opened.rend()));
  // Without a limit: one page of everything, no cursor.
  auto all = as<p::conversations_frame>(
      ann.call(p::list_conversations_req{ann.next_id(), 200, std::nullopt}));
  CHECK(all.conversations.size() == 5);
  CHECK_FALSE(all.next_cursor);
  CHECK(code_of(ann.call(p::list_conversations_req{ann.next_id(), 2, "not-a-cursor"})) ==
        p::error_code::bad_field);
}

TEST_CASE("A conversations frame stays under 256 KiB: the page ends early with a cursor",
          "[actors]") {
  fixture fx{"sqlite", [](actors::server_config& c) {
               unlimited(c);
               c.db_work_burst = 1000;
             }};
  auto a = fx.make_user("ann");
  client ann{fx, a, "ann"};
  ann.hello();
  // 20 groups of 256 members with 32-character names: ~20 KB each, ~400 KB in all.
  std::vector<std::string> names;
  for (int i = 0; i < 255; ++i) {
    auto name = "member_with_a_long_name_" + std::to_string(10'000'000 + i);
    fx.make_user(name);
    names.push_back(name);
  }
  std::set<std::int64_t> groups;
  for (int g = 0; g < 20; ++g)
    groups.insert(
        as<p::conversation_frame>(ann.call(p::create_group_req{ann.next_id(), "g", names}))
            .conversation.id);
  std::set<std::int64_t> seen;
  std::optional<std::string> cursor;
  int pages = 0;
  do {
    p::list_conversations_req req{ann.next_id(), 200, cursor};
    auto page = as<p::conversations_frame>(ann.call(req));
    auto bytes = p::serialize(p::server_frame{page}).size();
    CHECK(bytes <= p::limits::max_list_frame_bytes);
    CHECK_FALSE(page.conversations.empty());
    for (auto& c : page.conversations) CHECK(seen.insert(c.id).second);
    cursor = page.next_cursor;
    ++pages;
  } while (cursor && pages < 20);
  CHECK(pages >= 2);
  CHECK(seen == groups);
}

TEST_CASE(
    "A busy conversation's place in the list follows within the activity interval, and a "
    "clean stop writes what was held",
    "[actors]") {
  auto backend = GENERATE(from_range(backends()));
  auto tweak = [](actors::server_config& c) {
    unlimited(c);
    c.db_work_burst = 1000;
    c.activity_interval = std::chrono::milliseconds(300);
  };
  fixture fx{backend, tweak};
  auto a = fx.make_user("ann");
  fx.make_user("ben");
  fx.make_user("cat");
  client ann{fx, a, "ann"};
  ann.hello();
  auto order = [&] {
    auto page = as<p::conversations_frame>(
        ann.call(p::list_conversations_req{ann.next_id(), 200, std::nullopt}));
    std::vector<std::int64_t> ids;
    for (auto& c : page.conversations) ids.push_back(c.id);
    return ids;
  };
  // Settles until the list shows `want` (the held time is written by a flush within the interval;
  // no timing is asserted, a loaded machine may take longer).
  auto settles_to = [&](const std::vector<std::int64_t>& want) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (order() != want && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return order() == want;
  };
  auto with_ben = as<p::conversation_frame>(ann.call(p::open_direct_req{ann.next_id(), "ben"}));
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto with_cat = as<p::conversation_frame>(ann.call(p::open_direct_req{ann.next_id(), "cat"}));
  auto ben_id = with_ben.conversation.id, cat_id = with_cat.conversation.id;
  CHECK(order() == std::vector<std::int64_t>{cat_id, ben_id});
  // Several messages to Ben in a burst: the conversation was written just now, so its newer time
  // is held, then written by a flush with no further commit to carry it.
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  for (int i = 0; i < 5; ++i) ann.send_msg(ben_id, "b" + std::to_string(i), "hi ben");
  CHECK(settles_to({ben_id, cat_id}));
  // With an interval no test outlasts: after a restart each conversation's first message is
  // written at once (Ben's, then Cat's: Cat on top), Ben's second is held; a clean stop's drain
  // writes it, so Ben is on top after the next restart.
  auto held_long = [&](actors::server_config& c) {
    tweak(c);
    c.activity_interval = std::chrono::hours(1);
  };
  fx.restart(held_long);
  {
    client ann2{fx, a, "ann"};
    ann2.hello();
    ann2.send_msg(ben_id, "b-first", "ben first");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ann2.send_msg(cat_id, "c-first", "cat first");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    ann2.send_msg(ben_id, "b-held", "ben again");
  }
  fx.restart(held_long);
  client ann3{fx, a, "ann"};
  ann3.hello();
  auto page = as<p::conversations_frame>(
      ann3.call(p::list_conversations_req{ann3.next_id(), 200, std::nullopt}));
  REQUIRE(page.conversations.size() == 2);
  CHECK(page.conversations[0].id == ben_id);
}
