// message_state and message_projection, event by event (no actors, no database).
#include <catch2/catch.hpp>

#include "actors/message_state.hpp"

using namespace chat::actors;
using chat::persistence::event;

namespace {

event ev(std::int64_t seq, std::string type, std::int64_t sender, std::string payload,
         std::int64_t target = 0) {
  event e;
  e.conversation = 1;
  e.seq = seq;
  e.type = std::move(type);
  e.sender = sender;
  e.payload = std::move(payload);
  e.target = target;
  e.created_at_ms = 1000 + seq;
  return e;
}

}  // namespace

TEST_CASE("A message folds its edits, reactions and delete in seq order", "[unit]") {
  auto s = message_state::of(ev(5, "message", 7, "helo"));
  s.apply(ev(6, "message_edited", 7, "hello", 5));
  CHECK(s.body == "hello");
  CHECK(s.edited_at == 1006);
  s.apply(ev(7, "reaction_added", 8, "+1", 5));
  s.apply(ev(8, "reaction_added", 9, "+1", 5));
  s.apply(ev(9, "reaction_added", 8, "+1", 5));  // one of a kind per person
  s.apply(ev(10, "reaction_added", 8, "ok", 5));
  CHECK(s.reactions.size() == 3);
  CHECK(s.distinct_emoji() == 2);
  s.apply(ev(11, "reaction_removed", 8, "+1", 5));
  CHECK(s.reaction(8, "+1") == nullptr);
  CHECK(s.reaction(9, "+1") != nullptr);
  // Applying an older change again (a replay overlapping what is known) changes nothing.
  auto copy = s;
  s.apply(ev(6, "message_edited", 7, "hello", 5));
  s.apply(ev(7, "reaction_added", 8, "+1", 5));
  CHECK(s == copy);
  // Changes to another message pass by.
  s.apply(ev(12, "message_edited", 7, "other", 4));
  CHECK(s.body == "hello");
  s.apply(ev(13, "message_deleted", 7, "", 5));
  CHECK(s.deleted);
  CHECK(s.body.empty());
  CHECK(s.reactions.empty());
  CHECK(s.deleted_seq == 13);
  s.apply(ev(14, "message_edited", 7, "back from the dead", 5));
  CHECK(s.body.empty());
}

TEST_CASE("fold_messages gives the same states whatever the page boundaries", "[unit]") {
  std::vector<event> log{ev(1, "message", 7, "a"), ev(2, "message", 8, "b"),
                         ev(3, "message_edited", 7, "a2", 1), ev(4, "reaction_added", 8, "x", 2),
                         ev(5, "message_deleted", 8, "", 2)};
  auto all = fold_messages(log);
  REQUIRE(all.size() == 2);
  CHECK(all[1].body == "a2");
  CHECK(all[2].deleted);
  // A projection fed the same events one by one agrees.
  message_projection p;
  for (auto& e : log) p.committed(e);
  CHECK(*p.durable(1) == all[1]);
  CHECK(*p.durable(2) == all[2]);
}

TEST_CASE("The projection sees queued changes; a failure reprojects from the durable states",
          "[unit]") {
  message_projection p;
  p.committed(ev(1, "message", 7, "a"));
  auto del = ev(2, "message_deleted", 7, "", 1);
  p.queued(del);
  CHECK(p.projected(1)->deleted);
  CHECK_FALSE(p.durable(1)->deleted);
  p.reproject([](auto&&) {});  // the delete failed: nothing is pending any more
  CHECK_FALSE(p.projected(1)->deleted);
  p.committed(del);
  CHECK(p.durable(1)->deleted);
  CHECK((p.projected(1) != nullptr && !p.projected(1)->deleted));  // projected is not durable until reprojected
  p.reproject([](auto&&) {});
  CHECK(p.projected(1)->deleted);
}

TEST_CASE("A state loaded from the log takes the changes that arrived after the read", "[unit]") {
  message_projection p;
  auto old = message_state::of(ev(3, "message", 7, "old"));
  std::vector<event> newer{ev(300, "message_edited", 7, "old, edited", 3),
                           ev(301, "reaction_added", 8, "x", 3)};
  p.loaded(old, newer);
  REQUIRE(p.durable(3) != nullptr);
  CHECK(p.durable(3)->body == "old, edited");
  CHECK(p.durable(3)->reactions.size() == 1);
  // Known states win over a second load; trimming forgets the oldest beyond the cap.
  p.loaded(old, {});
  CHECK(p.durable(3)->body == "old, edited");
  p.committed(ev(400, "message", 7, "new"));
  p.trim(400, 1, [](std::int64_t) { return false; });
  CHECK(p.durable(3) == nullptr);
  CHECK(p.durable(400) != nullptr);
}
