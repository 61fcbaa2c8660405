// The connection's delivery bookkeeping, event by event (no actors, no database).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "actors/sync_tracker.hpp"

using chat::actors::sync_tracker;
namespace p = chat::protocol;

namespace {

constexpr sync_tracker::conversation_id c1 = 1, c2 = 2;

/// A frame whose text names the event, so the output reads as a list of events.
sync_tracker::frame ev(sync_tracker::conversation_id conv, sync_tracker::seq_t seq) {
  return std::make_shared<const std::string>(std::to_string(conv) + ":" + std::to_string(seq));
}

std::vector<std::string> texts(std::vector<sync_tracker::frame>& out) {
  std::vector<std::string> t;
  for (auto& f : out) t.push_back(*f);
  out.clear();
  return t;
}

using strings = std::vector<std::string>;

}  // namespace

TEST_CASE("Live events are written once each, in the order they come", "[unit]") {
  sync_tracker t;
  std::vector<sync_tracker::frame> out;
  t.on_live(c1, 1, ev(c1, 1), out);
  t.on_live(c1, 2, ev(c1, 2), out);
  t.on_live(c1, 2, ev(c1, 2), out);  // a duplicate is dropped
  t.on_live(c2, 7, ev(c2, 7), out);
  CHECK(texts(out) == strings{"1:1", "1:2", "2:7"});
  CHECK(t.sent(c1) == std::pair<sync_tracker::seq_t, sync_tracker::seq_t>{1, 2});
  CHECK(t.sent(c2) == std::pair<sync_tracker::seq_t, sync_tracker::seq_t>{7, 7});
}

TEST_CASE("After welcome, live events wait for the first request; a non-sync one releases them",
          "[unit]") {
  sync_tracker t;
  std::vector<sync_tracker::frame> out;
  t.hold();
  t.on_live(c1, 20, ev(c1, 20), out);
  t.on_live(c2, 5, ev(c2, 5), out);
  t.on_live(c1, 0, ev(c1, 0), out);  // typing: unsequenced frames are never held
  CHECK(texts(out) == strings{"1:0"});
  t.on_live(c1, 21, ev(c1, 21), out);
  CHECK(out.empty());
  t.release(out);
  CHECK_FALSE(t.holding());
  CHECK(texts(out) == strings{"1:20", "2:5", "1:21"});
  t.on_live(c1, 22, ev(c1, 22), out);
  CHECK(texts(out) == strings{"1:22"});
}

TEST_CASE("A sync after welcome replays the gap before the live events that came in between",
          "[unit]") {
  sync_tracker t;
  std::vector<sync_tracker::frame> out;
  t.hold();
  t.on_live(c1, 20, ev(c1, 20), out);  // arrive between welcome and the sync
  t.on_live(c1, 21, ev(c1, 21), out);
  t.on_live(c2, 3, ev(c2, 3), out);  // not in the sync: written when the sync starts
  auto start = t.begin_sync(p::sync_req{"s", {{c1, 18}}}, out);
  CHECK(texts(out) == strings{"2:3"});
  REQUIRE(start.replays.size() == 1);
  CHECK(start.replays[0].conversation == c1);
  CHECK(start.replays[0].after == 18);
  CHECK_FALSE(start.done);
  t.on_live(c1, 22, ev(c1, 22), out);  // during the replay: waits too
  CHECK(out.empty());
  // The replay reads the log as it is now: 19..21.
  for (sync_tracker::seq_t s = 19; s <= 21; ++s) CHECK(t.on_replayed(c1, s));
  auto done = t.end_replay(start.op, c1, 18, true, out);
  // 20 and 21 came with the replay; only 22 is left of what waited.
  CHECK(texts(out) == strings{"1:22"});
  REQUIRE(done);
  CHECK(done->ref == "s");
  CHECK(done->positions == std::vector<p::sync_position>{{c1, 22}});
}

TEST_CASE("Events written live before a later sync are skipped in its replay", "[unit]") {
  sync_tracker t;
  std::vector<sync_tracker::frame> out;
  t.on_live(c1, 10, ev(c1, 10), out);
  t.on_live(c1, 11, ev(c1, 11), out);
  out.clear();
  auto start = t.begin_sync(p::sync_req{"s", {{c1, 5}}}, out);
  REQUIRE(start.replays.size() == 1);
  std::vector<sync_tracker::seq_t> written;
  for (sync_tracker::seq_t s = 6; s <= 12; ++s)
    if (t.on_replayed(c1, s)) written.push_back(s);
  CHECK(written == std::vector<sync_tracker::seq_t>{6, 7, 8, 9, 12});
  t.on_live(c1, 12, ev(c1, 12), out);  // the live copy of 12, after the replay sent it
  t.on_live(c1, 13, ev(c1, 13), out);
  CHECK(out.empty());
  auto done = t.end_replay(start.op, c1, 5, true, out);
  CHECK(texts(out) == strings{"1:13"});
  REQUIRE(done);
  CHECK(done->positions == std::vector<p::sync_position>{{c1, 13}});
}

TEST_CASE("Live events buffered behind a replay come out in seq order", "[unit]") {
  sync_tracker t;
  std::vector<sync_tracker::frame> out;
  auto start = t.begin_sync(p::sync_req{"s", {{c1, 0}}}, out);
  t.on_live(c1, 4, ev(c1, 4), out);
  t.on_live(c1, 3, ev(c1, 3), out);
  CHECK(t.on_replayed(c1, 1));
  CHECK(t.on_replayed(c1, 2));
  t.end_replay(start.op, c1, 0, true, out);
  CHECK(texts(out) == strings{"1:3", "1:4"});
}

TEST_CASE("A conversation listed twice or already replaying is replayed once", "[unit]") {
  sync_tracker t;
  std::vector<sync_tracker::frame> out;
  auto first = t.begin_sync(p::sync_req{"a", {{c1, 0}, {c1, 0}}}, out);
  CHECK(first.replays.size() == 1);
  auto second = t.begin_sync(p::sync_req{"b", {{c1, 0}}}, out);
  CHECK(second.replays.empty());
  REQUIRE(second.done);
  CHECK(second.done->ref == "b");
  CHECK(second.done->positions.empty());
  auto empty = t.begin_sync(p::sync_req{"c", {}}, out);
  REQUIRE(empty.done);
  CHECK(empty.done->ref == "c");
}

TEST_CASE("A refused replay is left out of sync_done, the others are reported", "[unit]") {
  sync_tracker t;
  std::vector<sync_tracker::frame> out;
  auto start = t.begin_sync(p::sync_req{"s", {{c1, 0}, {c2, 4}}}, out);
  REQUIRE(start.replays.size() == 2);
  CHECK_FALSE(t.end_replay(start.op, c1, 0, false, out));  // not a member
  auto done = t.end_replay(start.op, c2, 4, true, out);    // nothing new: stays at 4
  REQUIRE(done);
  CHECK(done->positions == std::vector<p::sync_position>{{c2, 4}});
}

TEST_CASE("A hold that would exceed its capacity releases what it held", "[unit]") {
  sync_tracker t;
  std::vector<sync_tracker::frame> out;
  t.hold();
  for (std::size_t i = 1; i <= sync_tracker::held_capacity; ++i)
    t.on_live(c1, static_cast<sync_tracker::seq_t>(i), ev(c1, 1), out);
  CHECK(out.empty());
  t.on_live(c1, sync_tracker::held_capacity + 1, ev(c1, 2), out);
  CHECK_FALSE(t.holding());
  CHECK(out.size() == sync_tracker::held_capacity + 1);
  CHECK(t.sent(c1).second == static_cast<sync_tracker::seq_t>(sync_tracker::held_capacity + 1));
}
