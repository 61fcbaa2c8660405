// The search indexer's bookkeeping (actors/index_backlog.hpp): which ranges a round takes and
// how watermarks move. Pure logic, no actors or database.
#include "actors/index_backlog.hpp"

#include <catch2/catch.hpp>

using chat::actors::index_backlog;
using chat::actors::index_range;
using namespace std::chrono_literals;

namespace {
const auto t0 = index_backlog::clock::time_point{} + 1h;
}

TEST_CASE("A round takes each waiting conversation from its watermark to its last commit",
          "[unit]") {
  index_backlog b;
  CHECK(b.empty());
  CHECK(b.plan(100, 10).empty());
  b.committed(1, 5, t0);
  b.committed(2, 3, t0 + 1ms);
  b.committed(1, 7, t0 + 2ms);  // a later commit of a waiting conversation only moves its end
  // Watermarks come from the database first; until then a conversation is not planned.
  CHECK(b.unknown_watermarks() == std::vector<std::int64_t>{1, 2});
  CHECK(b.plan(100, 10).empty());
  b.indexed(1, 2);
  b.indexed(2, 0);
  CHECK(b.unknown_watermarks().empty());
  auto round = b.plan(100, 10);
  CHECK(round == std::vector<index_range>{{1, 2, 7}, {2, 0, 3}});
  CHECK(b.lag_events() == 8);
  CHECK(b.lag(t0 + 10ms) == 10ms);  // conversation 1 has waited since its first commit
  b.done(round);
  CHECK(b.empty());
  CHECK(b.lag_events() == 0);
  CHECK(b.lag(t0 + 20ms) == 0ms);
  // Known watermarks are kept: the next commit is planned at once.
  b.committed(2, 4, t0 + 30ms);
  CHECK(b.unknown_watermarks().empty());
  CHECK(b.plan(100, 10) == std::vector<index_range>{{2, 3, 4}});
}

TEST_CASE("A round is bounded in events and conversations, and a cut range goes to the back",
          "[unit]") {
  index_backlog b;
  for (std::int64_t c = 1; c <= 3; ++c) {
    b.committed(c, 100, t0);
    b.indexed(c, 0);
  }
  auto round = b.plan(150, 10);
  CHECK(round == std::vector<index_range>{{1, 0, 100}, {2, 0, 50}});
  CHECK(b.plan(1000, 2).size() == 2);
  b.done(round);
  CHECK(b.lag_events() == 50 + 100);
  // 2 was cut: 3 (waiting longer in line) comes first now, then the rest of 2.
  CHECK(b.plan(1000, 10) == std::vector<index_range>{{3, 0, 100}, {2, 50, 100}});
}

TEST_CASE("Commits at or below the watermark (a restart's backlog, a repeat) cost no round",
          "[unit]") {
  index_backlog b;
  b.committed(4, 10, t0);
  b.indexed(4, 10);  // the database says it is indexed already
  CHECK(b.empty());
  CHECK(b.plan(100, 10).empty());
  b.committed(4, 9, t0);  // an old note arriving late
  CHECK(b.empty());
  // A round that finished while a newer commit came in leaves the rest waiting.
  b.committed(4, 12, t0);
  auto round = b.plan(100, 10);
  b.committed(4, 15, t0 + 1ms);
  b.done(round);
  CHECK(b.plan(100, 10) == std::vector<index_range>{{4, 12, 15}});
  // Watermarks only move forward.
  b.indexed(4, 3);
  CHECK(b.plan(100, 10) == std::vector<index_range>{{4, 12, 15}});
  // A watermark for a conversation that waits for nothing changes nothing (and no other entry).
  b.committed(5, 2, t0);
  b.indexed(5, 2);
  b.indexed(5, 2);
  b.indexed(6, 9);  // never committed here
  CHECK(b.plan(100, 10) == std::vector<index_range>{{4, 12, 15}});
}
