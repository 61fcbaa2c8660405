// What a conversation reads on activation, and how many statements that takes.
#include "actors/snapshot_loader.hpp"

#include <set>
#include <string>
#include <vector>

#include "persistence/conversation_store.hpp"
#include "persistence/event_store.hpp"
#include "persistence/user_store.hpp"
#include "tests/persistence/test_backend.hpp"
#include "tests/support/statement_counter.hpp"

using namespace chat::persistence;
using chat::actors::conv_snapshot;
using chat::actors::load_snapshot;
using chat::actors::tail_capacity;
using chat::test_support::statement_counter;
using test::make_event;

namespace {
event with_payload(event e, std::string payload) {
  e.payload = std::move(payload);
  return e;
}
}  // namespace

TEST_CASE("Activation reads a conversation in six statements whatever its size",
          "[actors][persistence]") {
  BACKEND(b);
  user_store users(b.db());
  conversation_store convs(b.db());
  event_store events(b.db());
  auto owner = users.create("snap_owner");
  REQUIRE(owner.ok());
  auto g = convs.create_group("Snap", 1000);
  REQUIRE(g.ok());
  seq_t seq = 0;
  std::vector<user_id> members{owner->id};
  auto append = [&](event e) { REQUIRE(events.append(std::span<const event>(&e, 1)).ok()); };
  append(with_payload(make_event(g->id, ++seq, owner->id, "created"), "Snap"));
  append(with_payload(make_event(g->id, ++seq, owner->id, "member_added", owner->id), "owner"));
  // Members join and each says something: the tail mentions many users.
  auto grow = [&](int from, int to, int messages_each) {
    for (int i = from; i < to; ++i) {
      auto u = users.create("snap" + std::to_string(i));
      REQUIRE(u.ok());
      members.push_back(u->id);
      append(with_payload(make_event(g->id, ++seq, owner->id, "member_added", u->id), ""));
      for (int m = 0; m < messages_each; ++m)
        append(with_payload(make_event(g->id, ++seq, u->id, "message"), "hi " + std::to_string(m)));
    }
  };
  int statements = 0;
  b.db().sql().set_logger(soci::logger(new statement_counter(&statements)));
  auto activate = [&] {
    statements = 0;
    auto reply = load_snapshot(b.db(), g->id);
    REQUIRE(reply.match_elements<conv_snapshot>());
    return std::make_pair(statements, reply.get_as<conv_snapshot>(0));
  };

  grow(0, 2, 1);
  auto [small_count, small] = activate();
  grow(2, 40, 8);  // 40 members, 300 messages: more than the tail holds
  auto [large_count, large] = activate();

  CHECK(small_count == 6);
  CHECK(large_count == 6);
  CHECK(small.last_seq == seq - 38 * 9);
  CHECK(small.tail.size() == static_cast<std::size_t>(small.last_seq));
  CHECK(large.last_seq == seq);
  REQUIRE(large.tail.size() == tail_capacity);
  CHECK(large.tail.back().seq == seq);
  CHECK(large.tail.front().seq == seq - static_cast<seq_t>(tail_capacity) + 1);
  CHECK(large.members == members);
  REQUIRE(large.roles.size() == members.size());
  CHECK(large.roles.front() == std::make_pair(owner->id, std::string("owner")));
  CHECK(large.roles.back().second == "member");
  // A name for every member and everyone the tail mentions, each once.
  std::set<user_id> named;
  for (auto& n : large.names) CHECK(named.insert(n.id).second);
  for (auto m : members) CHECK(named.count(m) == 1);
  for (auto& e : large.tail) CHECK(named.count(e.sender) == 1);
}

TEST_CASE("Activating a conversation that does not exist answers not_found", "[actors]") {
  BACKEND(b);
  auto reply = load_snapshot(b.db(), 424242);
  REQUIRE(reply.match_elements<caf::error>());
  CHECK(chat::actors::view_error(reply.get_as<caf::error>(0)).code ==
        chat::protocol::error_code::not_found);
}
