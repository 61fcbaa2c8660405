#include "persistence/outage_log.hpp"

#include <catch2/catch.hpp>

using chat::persistence::outage_log;
using namespace std::chrono_literals;

TEST_CASE("An outage writes one line per source and interval and counts every fault",
          "[persistence][outage]") {
  outage_log log(5s);
  auto t0 = outage_log::clock::time_point{} + 1h;
  auto first = log.record("log writer", "connection lost", t0);
  REQUIRE(first);
  REQUIRE(*first == "unavailable: log writer: connection lost");
  REQUIRE_FALSE(log.record("log writer", "connection lost", t0 + 1s));
  REQUIRE_FALSE(log.record("log writer", "connection lost", t0 + 4s));
  // Another source is not silenced by the first one.
  REQUIRE(log.record("auth", "pool busy", t0 + 2s));
  auto later = log.record("log writer", "still gone", t0 + 5s);
  REQUIRE(later);
  REQUIRE(*later == "unavailable: log writer: still gone (2 more since the last line)");
  REQUIRE(log.total() == 5);
}
