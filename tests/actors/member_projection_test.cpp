// A conversation's member projection, event by event (no actors, no database).
#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "actors/member_projection.hpp"

using chat::actors::member_projection;
using chat::persistence::event;
using chat::persistence::user_id;

namespace {

event membership(const std::string& type, user_id subject) {
  event e;
  e.type = type;
  e.subject = subject;
  return e;
}

}  // namespace

TEST_CASE("Queued membership events move the projection, durable ones the member set", "[unit]") {
  member_projection m;
  m.load({1, 2});
  auto add3 = membership("member_added", 3);
  auto remove2 = membership("member_removed", 2);
  m.queued(add3);
  m.queued(remove2);
  CHECK(m.projected() == std::set<user_id>{1, 3});
  CHECK(m.durable() == std::set<user_id>{1, 2});
  CHECK(m.will_be_member(3));
  CHECK_FALSE(m.is_member(3));
  CHECK_FALSE(m.will_be_member(2));  // a send queued after the removal is refused
  CHECK(m.is_member(2));             // but 2 still reads until the removal is durable
  m.committed(add3);
  m.committed(remove2);
  CHECK(m.durable() == std::set<user_id>{1, 3});
}

TEST_CASE("Leaving and messages: only membership events change members", "[unit]") {
  member_projection m;
  m.load({1, 2});
  m.committed(membership("message", 2));
  m.committed(membership("member_left", 1));
  CHECK(m.durable() == std::set<user_id>{2});
}

TEST_CASE("After a failed event the projection is rebuilt from what is still pending", "[unit]") {
  member_projection m;
  m.load({1});
  auto add2 = membership("member_added", 2);
  auto add3 = membership("member_added", 3);
  m.queued(add2);
  m.queued(add3);
  // add2 failed; add3 is still queued.
  std::vector<event> pending{add3};
  m.reproject([&](auto&& f) {
    for (auto& e : pending) f(e);
  });
  CHECK(m.projected() == std::set<user_id>{1, 3});
  CHECK(m.durable() == std::set<user_id>{1});
}
