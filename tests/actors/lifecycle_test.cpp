// Passivation and rebuild, graceful stop with restart, storage trouble, slow consumers.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <mutex>
#include <string_view>
#include <thread>

#include "harness.hpp"
#include "logging/logger.hpp"
#include "tests/support/tcp_proxy.hpp"

using namespace chat;
using namespace chat::actors::test;
namespace p = chat::protocol;

TEST_CASE("An idle conversation is passivated and rebuilt with full history and continuing seqs",
          "[actors]") {
  auto backend = GENERATE(from_range(backends()));
  fixture fx{backend, [](actors::server_config& c) {
               unlimited(c);
               c.idle_passivation = std::chrono::milliseconds(150);
             }};
  auto a = fx.make_user("alice"), b = fx.make_user("bob");
  client alice{fx, a, "alice"}, bob{fx, b, "bob"};
  alice.hello();
  bob.hello();
  auto conv = alice.open_direct("bob");
  p::ack_frame last{};
  for (int i = 0; i < 300; ++i)
    last = alice.send_msg(conv.id, "m" + std::to_string(i), "body " + std::to_string(i));
  CHECK(last.seq == 303);

  // Wait for the sweep: the conversation goes, the users stay (they have connections).
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (fx.srv().snapshot().live_conversations > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  auto m = fx.srv().snapshot();
  CHECK(m.live_conversations == 0);
  CHECK(m.passivations >= 1);
  CHECK(m.live_users == 2);

  // The next request activates a fresh actor that rebuilt itself from the log.
  auto resend = alice.send_msg(conv.id, "m299", "body 299");
  CHECK(resend.duplicate);
  CHECK(resend.seq == 303);
  auto next = alice.send_msg(conv.id, "after", "after passivation");
  CHECK(next.seq == 304);
  // (No gauge check here: on a loaded machine a 150 ms pause passivates it again, harmlessly.)
  auto all = full_history(bob, conv.id);
  REQUIRE(all.size() == 304);
  for (std::size_t i = 0; i < all.size(); ++i) CHECK(all[i].seq == static_cast<p::id_t>(i + 1));
  CHECK(all[3].body == "body 0");
  CHECK(all.back().body == "after passivation");
  // Bob's user actor was asked to passivate many times meanwhile (and refused: it has a
  // connection); no live event was lost in those windows.
  auto live = bob.wait_events(conv.id, 304);
  REQUIRE(live.size() == 304);
  for (std::size_t i = 0; i < live.size(); ++i) CHECK(live[i].seq == static_cast<p::id_t>(i + 1));
}

TEST_CASE("stop() flushes pending appends: after a restart every acked message is there",
          "[actors]") {
  auto backend = GENERATE(from_range(backends()));
  fixture fx{backend, unlimited};
  auto a = fx.make_user("alice"), b = fx.make_user("bob"), c = fx.make_user("carol");
  p::id_t conv = 0;
  std::vector<p::ack_frame> acks;
  {
    client alice{fx, a, "alice"}, carol{fx, c, "carol"};
    alice.hello();
    carol.hello();
    conv = alice.create_group("g", {"bob", "carol"}).id;
    for (int i = 0; i < 300; ++i) {
      alice.send(p::send_req{alice.next_id(), conv, "a" + std::to_string(i),
                             "alice " + std::to_string(i)});
      carol.send(p::send_req{carol.next_id(), conv, "c" + std::to_string(i),
                             "carol " + std::to_string(i)});
    }
    fx.stop_server();  // while most of that is in flight
    CHECK(alice.sink().wait_closed() == 1001);
    CHECK(carol.sink().wait_closed() == 1001);
    for (auto* cl : {&alice, &carol})
      for (auto& ack : cl->all<p::ack_frame>()) acks.push_back(ack);
    // Whatever was not acked was refused with an error or left unanswered by the close: never
    // acked and lost.
    for (auto* cl : {&alice, &carol}) {
      for (auto& e : cl->all<p::error_frame>()) CHECK(e.code == p::error_code::unavailable);
    }
  }
  WARN(backend << ": " << acks.size() << " of 600 sends acked before stop");
  fx.start_server(unlimited);
  client bob{fx, b, "bob"};
  bob.hello();
  auto all = full_history(bob, conv);
  for (std::size_t i = 0; i < all.size(); ++i) REQUIRE(all[i].seq == static_cast<p::id_t>(i + 1));
  std::map<p::id_t, std::string> by_seq;
  for (auto& e : all) by_seq[e.seq] = e.client_msg_id;
  for (auto& ack : acks) {
    INFO("acked seq " << ack.seq);
    REQUIRE(by_seq.count(ack.seq));
    CHECK(by_seq[ack.seq] == ack.client_msg_id);
  }
  auto next = bob.send_msg(conv, "b1", "after restart");
  CHECK(next.seq == static_cast<p::id_t>(all.size()) + 1);
}

TEST_CASE("A slow consumer is closed with 4008 and does not slow the conversation", "[actors]") {
  fixture fx{"sqlite", unlimited};
  auto a = fx.make_user("alice"), b = fx.make_user("bob");
  client alice{fx, a, "alice"}, bob_fast{fx, b, "bob"};
  auto slow_sink = std::make_shared<recording_sink>();
  slow_sink->capacity = 50;                           // nobody drains it: the socket is stuck
  slow_sink->delay = std::chrono::microseconds(200);  // and each write is slow
  client bob_slow{fx, b, "bob", slow_sink};
  slow_sink->on_overflow = [&] { bob_slow.close(); };
  alice.hello();
  bob_fast.hello();
  bob_slow.hello();
  auto conv = alice.open_direct("bob");
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 400; ++i)
    alice.send(p::send_req{alice.next_id(), conv.id, "m" + std::to_string(i), "x"});
  alice.sink().wait([&](auto& f) { return of_type<p::ack_frame>(f).size() == 400; }, 30s);
  auto fast = bob_fast.wait_events(conv.id, 403, 30s);
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(alice.all<p::ack_frame>().size() == 400);
  CHECK(fast.size() == 403);
  CHECK(slow_sink->wait_closed() == 4008);
  CHECK(slow_sink->count() == 50);
  CHECK(elapsed < 20s);
  // The slow device left its user's registry; the user and the fast device go on.
  auto after = alice.send_msg(conv.id, "later", "still flowing");
  CHECK(bob_fast.wait_events(conv.id, 404).back().seq == after.seq);
  auto gone = std::chrono::steady_clock::now() + 5s;
  while (fx.srv().snapshot().connections != 2 && std::chrono::steady_clock::now() < gone)
    std::this_thread::sleep_for(5ms);
  CHECK(fx.srv().snapshot().connections == 2);
}

TEST_CASE(
    "When the database is unreachable, sends get error unavailable, and afterwards seqs go on "
    "without a gap",
    "[actors][mysql]") {
  if (!test_support::mysql_enabled("skipped (needs MariaDB behind a proxy it can cut)")) return;
  // The server reaches the test database through a proxy the test can cut.
  fixture fx{"mysql"};
  auto direct = fx.db_url();  // mysql://user:pw@host:port/db
  auto at = direct.rfind('@'), colon = direct.find(':', at), slash = direct.find('/', at);
  test_support::tcp_proxy proxy{
      direct.substr(at + 1, colon - at - 1),
      static_cast<std::uint16_t>(std::stoi(direct.substr(colon + 1, slash - colon - 1)))};
  auto proxied =
      direct.substr(0, at + 1) + "127.0.0.1:" + std::to_string(proxy.port()) + direct.substr(slash);
  // The actors' log lines, to check that the outage and the reconnect are reported.
  auto log_mu = std::make_shared<std::mutex>();
  auto lines = std::make_shared<std::vector<std::string>>();
  logging::capture capture{
      [log_mu, lines](logging::level, std::string_view component, std::string_view msg) {
        std::lock_guard<std::mutex> g{*log_mu};
        if (component == "actors") lines->emplace_back(msg);
      }};
  fx.restart([&](actors::server_config& c) { c.db_url = proxied; });
  auto logged = [&](const std::string& part) {
    std::lock_guard<std::mutex> g{*log_mu};
    for (auto& l : *lines)
      if (l.find(part) != std::string::npos) return true;
    return false;
  };

  auto a = fx.make_user("alice"), b = fx.make_user("bob");
  client alice{fx, a, "alice"}, bob{fx, b, "bob"};
  alice.hello();
  bob.hello();
  auto conv = alice.open_direct("bob");
  auto first = alice.send_msg(conv.id, "m1", "before the outage");

  proxy.down();
  auto started = std::chrono::steady_clock::now();
  auto f = alice.call(p::send_req{alice.next_id(), conv.id, "m2", "during the outage"}, 30s);
  auto took = std::chrono::steady_clock::now() - started;
  CHECK(code_of(f) == p::error_code::unavailable);
  CHECK(took < 10s);
  // A read (a database worker's job) fails too, and says so.
  auto listed = alice.call(p::list_conversations_req{alice.next_id()}, 30s);
  CHECK(code_of(listed) == p::error_code::unavailable);
  proxy.up();
  // A later read reconnects (the client retries `unavailable` with backoff, as the protocol says).
  auto relisted = alice.call(p::list_conversations_req{alice.next_id()}, 30s);
  for (int i = 0; i < 20 && std::holds_alternative<p::error_frame>(relisted); ++i) {
    std::this_thread::sleep_for(100ms);
    relisted = alice.call(p::list_conversations_req{alice.next_id()}, 30s);
  }
  CHECK(as<p::conversations_frame>(relisted).conversations.size() == 1);
  CHECK((logged("database workers: connection lost") ||
         logged("database workers: reconnect failed")));
  CHECK(logged("database workers: reconnected to the database"));

  // The client retries with the same client_msg_id: stored once, next seq, no gap.
  auto retried = alice.send_msg(conv.id, "m2", "during the outage");
  CHECK_FALSE(retried.duplicate);
  CHECK(retried.seq == first.seq + 1);
  CHECK(logged("log writer: database unavailable"));
  CHECK(logged("log writer: commit of 1 events from 1 conversations failed (unavailable"));
  CHECK(logged("log writer: reconnected to the database"));
  auto evs = bob.wait_events(conv.id, static_cast<std::size_t>(retried.seq));
  REQUIRE(evs.size() == static_cast<std::size_t>(retried.seq));
  for (std::size_t i = 0; i < evs.size(); ++i) CHECK(evs[i].seq == static_cast<p::id_t>(i + 1));
  bool counted = false;
  for (auto& [code, n] : fx.srv().snapshot().errors_by_code)
    counted |= code == "unavailable" && n >= 1;
  CHECK(counted);
}
