#include "gateway/backlog.hpp"

#include <catch2/catch.hpp>

using chat::gateway::backlog;
using chat::gateway::backlog_limits;
using namespace std::chrono_literals;

namespace {
backlog_limits small_limits() {
  backlog_limits l;
  l.throttle_bytes = 1000;
  l.max_bytes = 5000;
  l.stall_timeout = 100ms;
  return l;
}
}  // namespace

TEST_CASE("The backlog throttles above the mark and resumes below half of it", "[gateway]") {
  auto l = small_limits();
  backlog b(l);
  auto t = backlog::time_point{} + 1s;
  b.queued(900);
  CHECK_FALSE(b.should_throttle());
  b.queued(200);
  CHECK(b.should_throttle());
  CHECK_FALSE(b.may_resume());
  b.accepted(400, t);  // 700 left: still above half
  CHECK_FALSE(b.should_throttle());
  CHECK_FALSE(b.may_resume());
  b.accepted(300, t);
  CHECK(b.may_resume());
  CHECK(b.bytes() == 400);
}

TEST_CASE("Only bytes over the hard limit make a slow consumer at once", "[gateway]") {
  auto l = small_limits();
  backlog b(l);
  b.queued(5000);
  CHECK_FALSE(b.over_max());
  b.queued(1);
  CHECK(b.over_max());
  b.dropped(4000);
  CHECK_FALSE(b.over_max());
}

TEST_CASE("A stall is a write that took no byte for stall_timeout, not a long queue", "[gateway]") {
  auto l = small_limits();
  backlog b(l);
  auto t0 = backlog::time_point{} + 1s;
  b.queued(3000);
  CHECK_FALSE(b.stalled(t0 + 1h));  // nothing handed to the socket yet: our own delay
  b.write_started(t0);
  b.in_flight(1000);
  CHECK_FALSE(b.stalled(t0 + 99ms));
  CHECK(b.stalled(t0 + 100ms));
  b.accepted(1000, t0 + 150ms);  // progress resets the clock
  b.write_started(t0 + 150ms);
  b.in_flight(1000);
  CHECK_FALSE(b.stalled(t0 + 200ms));
  CHECK(b.stalled(t0 + 250ms));
  b.accepted(2000, t0 + 260ms);
  b.in_flight(0);
  CHECK(b.bytes() == 0);
  CHECK_FALSE(b.stalled(t0 + 1h));
}
