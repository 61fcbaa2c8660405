// A rough figure, not a pass/fail test: how many messages per second one busy group acks and
// delivers through the actors (no sockets). Hidden: run with  actors_tests "[.bench]".
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <thread>

#include "harness.hpp"

using namespace chat;
using namespace chat::actors::test;
namespace p = chat::protocol;

TEST_CASE("Throughput of one busy group", "[.bench]") {
  const char* env_backend = std::getenv("CHAT_BENCH_BACKEND");
  std::string backend = env_backend ? env_backend : "sqlite";
  fixture fx{backend, unlimited};
  constexpr int members = 10, senders = 5, per_sender = 2000;
  std::vector<std::unique_ptr<client>> cl;
  std::vector<std::string> names;
  for (int i = 0; i < members; ++i) {
    names.push_back("u" + std::to_string(i));
    cl.push_back(std::make_unique<client>(fx, fx.make_user(names.back()), names.back()));
    cl.back()->hello();
  }
  auto g = cl[0]->create_group("busy", {names.begin() + 1, names.end()});
  // Everyone has the creation events; from here on the sinks only count.
  for (auto& c : cl) c->wait_events(g.id, static_cast<std::size_t>(g.last_seq));
  std::vector<std::size_t> before;
  for (auto& c : cl) {
    c->sink().store = false;
    before.push_back(c->sink().total.load());
  }
  constexpr std::size_t total = static_cast<std::size_t>(senders) * per_sender;
  auto wait_for = [](recording_sink& s, std::size_t n) {
    auto deadline = std::chrono::steady_clock::now() + 120s;
    while (s.total.load() < n && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(1ms);
    return s.total.load() >= n;
  };
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int s = 0; s < senders; ++s)
    threads.emplace_back([&, s] {
      for (int i = 0; i < per_sender; ++i)
        cl[s]->send(p::send_req{"r" + std::to_string(i), g.id, "k" + std::to_string(i),
                                "message body " + std::to_string(i)});
    });
  for (auto& t : threads) t.join();
  // Senders get their acks and every event; the others every event.
  for (int i = 0; i < members; ++i)
    REQUIRE(wait_for(cl[i]->sink(), before[i] + total + (i < senders ? per_sender : 0)));
  auto delivered = std::chrono::steady_clock::now();
  auto secs = std::chrono::duration<double>(delivered - start).count();
  auto m = fx.srv().snapshot();
  WARN(backend << ": " << total << " messages from " << senders << " senders to " << members
               << " members: all acked and delivered in " << secs << " s (" << total / secs
               << " msg/s acked, " << total * members / secs << " events/s delivered); "
               << m.log_batches << " commits for " << m.log_events << " events (avg "
               << static_cast<double>(m.log_events) / std::max<std::int64_t>(1, m.log_batches)
               << " per commit), max commit " << m.log_commit_us_max << " us");
}

TEST_CASE("list_conversations latency for a user in 2,000 groups", "[.bench]") {
  const char* env_backend = std::getenv("CHAT_BENCH_BACKEND");
  std::string backend = env_backend ? env_backend : "sqlite";
  fixture fx{backend, [](actors::server_config& c) {
               unlimited(c);
               c.db_work_burst = 1e9;  // the budget is not what this measures
             }};
  client owner{fx, fx.make_user("owner"), "owner"};
  client peer{fx, fx.make_user("peer"), "peer"};
  owner.hello();
  peer.hello();
  constexpr int groups = 2000;
  for (int i = 0; i < groups; ++i) {
    auto g = owner.create_group("g" + std::to_string(i), {"peer"});
    // Two messages the owner has not read in each.
    peer.send_msg(g.id, "a" + std::to_string(i), "hello");
    peer.send_msg(g.id, "b" + std::to_string(i), "again");
  }
  auto ms = [](auto t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  };
  std::vector<double> first, all;
  // call() parses every frame the sink kept: forget them before each call, so the figures are
  // the server's and not the test client's (the setup left ~10,000 frames behind).
  auto list_page = [&](std::optional<std::string> cursor) {
    owner.sink().clear();
    auto f = owner.call(p::list_conversations_req{owner.next_id(), 200, std::move(cursor)}, 60s);
    REQUIRE(std::holds_alternative<p::conversations_frame>(f));
    return std::get<p::conversations_frame>(std::move(f));
  };
  for (int round = 0; round < 20; ++round) {
    auto t0 = std::chrono::steady_clock::now();
    auto page = list_page(std::nullopt);
    first.push_back(ms(t0));
    auto cursor = page.next_cursor;
    std::size_t seen = page.conversations.size();
    while (cursor) {
      auto next = list_page(cursor);
      seen += next.conversations.size();
      cursor = next.next_cursor;
    }
    all.push_back(ms(t0));
    REQUIRE(seen == groups);
  }
  std::sort(first.begin(), first.end());
  std::sort(all.begin(), all.end());
  WARN(backend << ": list_conversations for a user in " << groups
               << " groups (2 unread each), 20 rounds: first page median " << first[10]
               << " ms (min " << first[0] << ", max " << first.back()
               << "); every page (10) median " << all[10] << " ms (min " << all[0] << ", max "
               << all.back() << ")");
}
