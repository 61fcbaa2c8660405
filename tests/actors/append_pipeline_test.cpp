// A conversation's append pipeline, event by event (no actors, no database).
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "actors/append_pipeline.hpp"

using chat::actors::append_pipeline;
using chat::persistence::errc;
using chat::persistence::event;
using chat::persistence::seq_t;

namespace {

struct entry {
  event ev;
  std::string who;  ///< stands in for the promise the actor keeps
};

entry msg(const std::string& who) {
  entry e;
  e.ev.type = "message";
  e.ev.client_msg_id = who;
  e.who = who;
  return e;
}

std::vector<seq_t> seqs(const std::vector<event>& events) {
  std::vector<seq_t> s;
  for (auto& e : events) s.push_back(e.seq);
  return s;
}

std::vector<std::string> names(const std::vector<entry>& entries) {
  std::vector<std::string> n;
  for (auto& e : entries) n.push_back(e.who + "@" + std::to_string(e.ev.seq));
  return n;
}

using strings = std::vector<std::string>;

}  // namespace

TEST_CASE("Seqs are assigned at hand-over, one batch in flight at a time", "[unit]") {
  append_pipeline<entry> p{10};
  CHECK(p.idle());
  CHECK_FALSE(p.next_batch(8));  // nothing queued
  p.push(msg("a"));
  p.push(msg("b"));
  auto first = p.next_batch(8);
  REQUIRE(first);
  CHECK(seqs(*first) == std::vector<seq_t>{11, 12});
  p.push(msg("c"));  // arrives while the batch is in flight: waits for the next one
  CHECK_FALSE(p.next_batch(8));
  auto r = p.on_outcome(12, std::nullopt);
  CHECK(names(r.committed) == strings{"a@11", "b@12"});
  CHECK(p.last_seq() == 12);
  auto second = p.next_batch(8);
  REQUIRE(second);
  CHECK(seqs(*second) == std::vector<seq_t>{13});
  p.on_outcome(13, std::nullopt);
  CHECK(p.idle());
}

TEST_CASE("A batch takes at most max_batch events; the rest form the next one", "[unit]") {
  append_pipeline<entry> p;
  for (int i = 0; i < 5; ++i) p.push(msg("m" + std::to_string(i)));
  auto b = p.next_batch(3);
  REQUIRE(b);
  CHECK(seqs(*b) == std::vector<seq_t>{1, 2, 3});
  p.on_outcome(3, std::nullopt);
  b = p.next_batch(3);
  REQUIRE(b);
  CHECK(seqs(*b) == std::vector<seq_t>{4, 5});
}

TEST_CASE("After a duplicate, the events behind it are renumbered into the next batch", "[unit]") {
  append_pipeline<entry> p{4};
  p.push(msg("a"));
  p.push(msg("dup"));
  p.push(msg("c"));
  p.push(msg("d"));
  REQUIRE(p.next_batch(8));  // 5, 6, 7, 8
  p.push(msg("e"));          // queued meanwhile
  auto r = p.on_outcome(5, errc::duplicate);
  CHECK(names(r.committed) == strings{"a@5"});
  REQUIRE(r.duplicate);
  CHECK(r.duplicate->who == "dup");
  CHECK(r.failed.empty());
  CHECK_FALSE(r.reload);
  // c and d were not written: they take the duplicate's place, then e.
  auto next = p.next_batch(8);
  REQUIRE(next);
  CHECK(seqs(*next) == std::vector<seq_t>{6, 7, 8});
  CHECK((*next)[0].client_msg_id == "c");
  CHECK((*next)[2].client_msg_id == "e");
}

TEST_CASE("A storage failure fails the event and every later one of the batch", "[unit]") {
  append_pipeline<entry> p;
  p.push(msg("a"));
  p.push(msg("b"));
  p.push(msg("c"));
  REQUIRE(p.next_batch(8));
  p.push(msg("d"));
  auto r = p.on_outcome(1, errc::unavailable);
  CHECK(names(r.committed) == strings{"a@1"});
  CHECK(names(r.failed) == strings{"b@2", "c@3"});
  CHECK(r.code == errc::unavailable);
  // The queue goes on from the last durable seq: no gap.
  auto next = p.next_batch(8);
  REQUIRE(next);
  CHECK(seqs(*next) == std::vector<seq_t>{2});
  CHECK((*next)[0].client_msg_id == "d");
}

TEST_CASE("A seq conflict requeues the rest and asks for the last seq again", "[unit]") {
  append_pipeline<entry> p{2};
  p.push(msg("a"));
  p.push(msg("b"));
  REQUIRE(p.next_batch(8));  // 3, 4
  auto r = p.on_outcome(2, errc::seq_conflict);
  CHECK(r.committed.empty());
  CHECK(r.reload);
  p.set_last_seq(9);  // someone else wrote up to 9
  auto next = p.next_batch(8);
  REQUIRE(next);
  CHECK(seqs(*next) == std::vector<seq_t>{10, 11});
  CHECK((*next)[0].client_msg_id == "a");
}

TEST_CASE("When the last seq cannot be read, the queue is handed back whole", "[unit]") {
  append_pipeline<entry> p;
  p.push(msg("a"));
  REQUIRE(p.next_batch(8));
  p.push(msg("b"));
  auto r = p.on_outcome(0, errc::seq_conflict);
  REQUIRE(r.reload);
  auto left = p.take_queue();
  CHECK(left.size() == 2);
  CHECK(p.idle());
}

TEST_CASE("The newest pending event is the last queued, else the last in flight", "[unit]") {
  append_pipeline<entry> p;
  CHECK(p.newest_pending() == nullptr);
  p.push(msg("a"));
  REQUIRE(p.newest_pending());
  CHECK(p.newest_pending()->who == "a");
  REQUIRE(p.next_batch(8));
  CHECK(p.newest_pending()->who == "a");
  p.push(msg("b"));
  CHECK(p.newest_pending()->who == "b");
  std::vector<std::string> pending;
  p.for_each_pending([&](const event& e) { pending.push_back(e.client_msg_id); });
  CHECK(pending == strings{"a", "b"});
}
