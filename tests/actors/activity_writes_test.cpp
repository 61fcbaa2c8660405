#include "actors/activity_writes.hpp"

#include <algorithm>
#include <catch2/catch.hpp>

using chat::actors::activity_writes;
using chat::persistence::activity;
using chat::persistence::event;
using namespace std::chrono_literals;

namespace {

event ev(std::int64_t conv, std::int64_t at_ms) {
  event e;
  e.conversation = conv;
  e.created_at_ms = at_ms;
  return e;
}

activity_writes::time_point at(std::chrono::milliseconds ms) {
  return activity_writes::time_point{} + 1h + ms;
}

std::vector<activity> sorted(std::vector<activity> v) {
  std::sort(v.begin(), v.end(),
            [](const activity& a, const activity& b) { return a.conversation < b.conversation; });
  return v;
}

/// One commit: plan, then report it committed; returns what it wrote.
std::vector<activity> commit(activity_writes& w, const std::vector<event>& batch,
                             activity_writes::time_point now) {
  auto planned = w.plan(batch, now);
  w.committed(batch, planned, now);
  return sorted(planned);
}

}  // namespace

TEST_CASE("A conversation's first commit writes its activity at once, at its newest event",
          "[unit]") {
  activity_writes w(250ms);
  CHECK(commit(w, {ev(1, 100), ev(2, 105), ev(1, 110)}, at(0ms)) ==
        std::vector<activity>{{1, 110}, {2, 105}});
  CHECK(w.held() == 0);
  CHECK(w.next_due() == activity_writes::time_point::max());
}

TEST_CASE("A busy conversation's newer times are held, then written once the interval passed",
          "[unit]") {
  activity_writes w(250ms);
  commit(w, {ev(1, 100)}, at(0ms));
  // Within the interval: nothing written, the newest time held.
  CHECK(commit(w, {ev(1, 200)}, at(100ms)).empty());
  CHECK(commit(w, {ev(1, 300)}, at(200ms)).empty());
  CHECK(w.held() == 1);
  CHECK(w.next_due() == at(250ms));
  CHECK(w.due(at(249ms)).empty());
  // The next commit after the interval writes the held time with its own (the newest wins).
  CHECK(commit(w, {ev(1, 400)}, at(260ms)) == std::vector<activity>{{1, 400}});
  CHECK(w.held() == 0);
}

TEST_CASE("A held time rides along with another conversation's commit once due", "[unit]") {
  activity_writes w(250ms);
  commit(w, {ev(1, 100)}, at(0ms));
  commit(w, {ev(1, 150)}, at(50ms));  // held
  // Conversation 2's commit before conversation 1's interval passed: only 2 is written.
  CHECK(commit(w, {ev(2, 160)}, at(60ms)) == std::vector<activity>{{2, 160}});
  CHECK(w.held() == 1);
  // After it: 1's held time goes with 3's commit.
  CHECK(commit(w, {ev(3, 300)}, at(300ms)) == std::vector<activity>{{1, 150}, {3, 300}});
  CHECK(w.held() == 0);
}

TEST_CASE("Held times are flushed on their own when no commit comes; a drain takes them all",
          "[unit]") {
  activity_writes w(250ms);
  commit(w, {ev(1, 100), ev(2, 100)}, at(0ms));
  commit(w, {ev(1, 120)}, at(10ms));
  commit(w, {ev(2, 130)}, at(200ms));
  CHECK(w.held() == 2);
  // A drain writes everything held whatever the interval.
  CHECK(sorted(w.due(at(201ms), true)) == std::vector<activity>{{1, 120}, {2, 130}});
  // A timer flush writes only what is due.
  auto due = w.due(at(260ms));
  CHECK(sorted(due) == std::vector<activity>{{1, 120}, {2, 130}});
  w.flushed(due, at(260ms));
  CHECK(w.held() == 0);
  // Written at 260 ms: a new time within the interval from then is held again.
  CHECK(commit(w, {ev(1, 400)}, at(300ms)).empty());
}

TEST_CASE("A failed commit holds nothing: its events, and so their activity, were not written",
          "[unit]") {
  activity_writes w(250ms);
  commit(w, {ev(1, 100)}, at(0ms));
  auto planned = w.plan(std::vector<event>{ev(1, 200)}, at(50ms));
  CHECK(planned.empty());
  // Not reported as committed: nothing is held for conversation 1.
  CHECK(w.held() == 0);
}

TEST_CASE("Interval 0 writes every conversation with every commit and remembers nothing",
          "[unit]") {
  activity_writes w(0ms);
  CHECK(commit(w, {ev(1, 100)}, at(0ms)) == std::vector<activity>{{1, 100}});
  CHECK(commit(w, {ev(1, 101), ev(2, 102)}, at(0ms)) == std::vector<activity>{{1, 101}, {2, 102}});
  CHECK(w.tracked() == 0);
}

TEST_CASE("Quiet conversations are forgotten once their interval passed", "[unit]") {
  activity_writes w(250ms);
  for (std::int64_t c = 1; c <= 100; ++c) commit(w, {ev(c, 100)}, at(0ms));
  CHECK(w.tracked() == 100);
  commit(w, {ev(500, 600)}, at(300ms));
  CHECK(w.tracked() == 1);
}
