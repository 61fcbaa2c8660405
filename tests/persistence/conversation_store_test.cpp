#include <thread>

#include "persistence/conversation_store.hpp"
#include "persistence/event_store.hpp"
#include "persistence/user_store.hpp"
#include "test_backend.hpp"
#include "tests/support/statement_counter.hpp"
#include "tests/support/work_meter.hpp"

using namespace chat::persistence;

using test::make_event;

TEST_CASE("A direct conversation has one id for the pair, in either order", "[persistence]") {
  BACKEND(b);
  conversation_store convs(b.db());
  auto first = convs.get_or_create_direct(1, 2, 1000);
  REQUIRE(first.ok());
  CHECK(first->created);
  CHECK(first->c.kind == conversation_kind::direct);
  auto again = convs.get_or_create_direct(2, 1, 2000);
  REQUIRE(again.ok());
  CHECK_FALSE(again->created);
  CHECK(again->c.id == first->c.id);
  CHECK(again->c.created_at_ms == 1000);
  auto other = convs.get_or_create_direct(1, 3, 3000);
  REQUIRE(other.ok());
  CHECK(other->c.id != first->c.id);
  CHECK(*convs.members(first->c.id) == std::vector<user_id>{1, 2});
}

TEST_CASE("Two callers racing to create the same direct conversation get the same id",
          "[persistence]") {
  BACKEND(b);
  for (user_id round = 0; round < 10; ++round) {
    user_id x = 10 + 2 * round, y = 11 + 2 * round;
    conversation_id ids[2] = {0, 0};
    int created[2] = {0, 0};
    std::string errors[2];
    auto racer = [&](int i) {
      auto conn = database::open(b.url());
      if (!conn) {
        errors[i] = conn.err().message;
        return;
      }
      conversation_store convs(**conn);
      auto r = i == 0 ? convs.get_or_create_direct(x, y, 1) : convs.get_or_create_direct(y, x, 1);
      if (!r) {
        errors[i] = r.err().message;
        return;
      }
      ids[i] = r->c.id;
      created[i] = r->created ? 1 : 0;
    };
    std::thread t0(racer, 0), t1(racer, 1);
    t0.join();
    t1.join();
    INFO(errors[0] << " | " << errors[1]);
    REQUIRE(errors[0].empty());
    REQUIRE(errors[1].empty());
    CHECK(ids[0] == ids[1]);
    CHECK(created[0] + created[1] == 1);
  }
}

TEST_CASE("Group conversations take their members from membership events", "[persistence]") {
  BACKEND(b);
  conversation_store convs(b.db());
  event_store log(b.db());
  auto g = convs.create_group("Team \xF0\x9F\x9A\x80", 5000);
  REQUIRE(g.ok());
  CHECK(g->kind == conversation_kind::group);
  auto g2 = convs.create_group("Other", 5001);
  REQUIRE(g2.ok());
  CHECK(g2->id != g->id);
  CHECK(convs.members(g->id)->empty());

  std::vector<event> batch{
      make_event(g->id, 1, 1, "created"), make_event(g->id, 2, 1, "member_added", 1),
      make_event(g->id, 3, 1, "member_added", 3), make_event(g->id, 4, 1, "member_added", 2)};
  REQUIRE(log.append(batch).ok());
  CHECK(*convs.members(g->id) == std::vector<user_id>{1, 2, 3});
  std::vector<event> leave{make_event(g->id, 5, 3, "member_left")};
  REQUIRE(log.append(leave).ok());
  CHECK(*convs.members(g->id) == std::vector<user_id>{1, 2});

  auto found = convs.find(g->id);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->title == "Team \xF0\x9F\x9A\x80");
  CHECK((*found)->last_seq == 5);
  CHECK((*found)->created_at_ms == 5000);
  CHECK_FALSE(convs.find(g->id + 1000)->has_value());
}

TEST_CASE("conversations_of lists a user's conversations with last_seq, newest activity first",
          "[persistence]") {
  BACKEND(b);
  conversation_store convs(b.db());
  event_store log(b.db());
  auto old_group = convs.create_group("old", 1000);
  auto new_group = convs.create_group("new", 2000);
  auto not_mine = convs.create_group("not mine", 3000);
  auto direct = convs.get_or_create_direct(1, 2, 1500);
  REQUIRE(old_group.ok());
  REQUIRE(new_group.ok());
  REQUIRE(not_mine.ok());
  REQUIRE(direct.ok());
  std::vector<event> batch{make_event(old_group->id, 1, 9, "member_added", 1, 1100),
                           make_event(new_group->id, 1, 9, "member_added", 1, 2100),
                           make_event(not_mine->id, 1, 9, "member_added", 2, 3100)};
  REQUIRE(log.append(batch).ok());
  // Activity in the old group moves it to the front.
  std::vector<event> later{make_event(old_group->id, 2, 1, "message", 0, 5000),
                           make_event(old_group->id, 3, 1, "message", 0, 5001)};
  REQUIRE(log.append(later).ok());

  auto mine = convs.conversations_of(1);
  REQUIRE(mine.ok());
  REQUIRE(mine->size() == 3);
  CHECK((*mine)[0].id == old_group->id);
  CHECK((*mine)[0].last_seq == 3);
  CHECK((*mine)[1].id == new_group->id);
  CHECK((*mine)[1].last_seq == 1);
  CHECK((*mine)[2].id == direct->c.id);
  CHECK((*mine)[2].last_seq == 0);
  CHECK((*mine)[2].kind == conversation_kind::direct);
  CHECK(convs.conversations_of(99)->empty());
}

TEST_CASE("Unread counts only messages from other senders after the read position",
          "[persistence]") {
  BACKEND(b);
  conversation_store convs(b.db());
  event_store log(b.db());
  auto g = convs.create_group("t", 1000);
  REQUIRE(g.ok());
  std::vector<event> batch{make_event(g->id, 1, 1, "created", 0, 1000),
                           make_event(g->id, 2, 1, "member_added", 1, 1000),
                           make_event(g->id, 3, 1, "member_added", 2, 1000),
                           make_event(g->id, 4, 2, "message", 0, 1001),
                           make_event(g->id, 5, 1, "message", 0, 1002),
                           make_event(g->id, 6, 2, "message", 0, 1003)};
  REQUIRE(log.append(batch).ok());
  auto unread_of = [&](user_id u) {
    auto list = convs.summaries_of(u);
    REQUIRE(list.ok());
    REQUIRE(list->size() == 1);
    return list->front().unread;
  };
  CHECK(unread_of(1) == 2);
  REQUIRE(convs.set_read(g->id, 1, 4).ok());
  CHECK(unread_of(1) == 1);
  REQUIRE(convs.set_read(g->id, 1, 6).ok());
  CHECK(unread_of(1) == 0);
  CHECK(unread_of(2) == 1);
}

TEST_CASE("Read positions only move forward", "[persistence]") {
  BACKEND(b);
  conversation_store convs(b.db());
  CHECK(*convs.read_seq(1, 1) == 0);
  REQUIRE(convs.set_read(1, 1, 5).ok());
  CHECK(*convs.read_seq(1, 1) == 5);
  REQUIRE(convs.set_read(1, 1, 3).ok());
  CHECK(*convs.read_seq(1, 1) == 5);
  REQUIRE(convs.set_read(1, 1, 9).ok());
  CHECK(*convs.read_seq(1, 1) == 9);
  CHECK(*convs.read_seq(1, 2) == 0);
  CHECK(*convs.read_seq(2, 1) == 0);
}

using chat::test_support::statement_counter;

TEST_CASE(
    "Conversation summaries with unread counts take four statements whatever the number of "
    "conversations",
    "[persistence]") {
  BACKEND(b);
  user_store users(b.db());
  conversation_store convs(b.db());
  event_store events(b.db());
  auto me = users.create("summary_owner");
  REQUIRE(me.ok());
  auto add_conversations = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      auto peer = users.create("peer" + std::to_string(i));
      REQUIRE(peer.ok());
      auto d = convs.get_or_create_direct(me->id, peer->id, 1000 + i);
      REQUIRE(d.ok());
      auto e = make_event(d->c.id, 1, peer->id, "message", 0, 2000 + i);
      e.client_msg_id = "m" + std::to_string(i);
      e.payload = "hello " + std::to_string(i);
      REQUIRE(events.append(std::span<const event>(&e, 1)).ok());
      // Of the later ones, every other stays unread (it must not cost a statement).
      if (i < 3 || i % 2 == 0) REQUIRE(convs.set_read(d->c.id, me->id, 1).ok());
    }
  };
  int statements = 0;
  b.db().sql().set_logger(soci::logger(new statement_counter(&statements)));
  auto count_for_summaries = [&] {
    statements = 0;
    auto list = convs.summaries_of(me->id);
    REQUIRE(list.ok());
    return std::make_pair(statements, *list);
  };
  add_conversations(0, 3);
  auto [few, three] = count_for_summaries();
  add_conversations(3, 40);
  auto [many, forty] = count_for_summaries();
  CHECK(few == 4);
  CHECK(many == 4);
  REQUIRE(three.size() == 3);
  REQUIRE(forty.size() == 40);
  // Newest activity first, and everything list_conversations shows is there.
  auto& top = forty.front();
  CHECK(top.c.last_seq == 1);
  CHECK(top.read_seq == 0);
  CHECK(top.unread == 1);
  CHECK(forty[1].read_seq == 1);
  CHECK(forty[1].unread == 0);
  std::int64_t unread = 0;
  for (auto& s : forty) unread += s.unread;
  CHECK(unread == 19);  // 3, 5, ..., 39
  REQUIRE(top.members.size() == 2);
  CHECK(top.members[0].username == "summary_owner");
  CHECK(top.members[1].username == "peer39");
  REQUIRE(top.last_event);
  CHECK(top.last_event->payload == "hello 39");
  CHECK(top.last_event->client_msg_id == "m39");
  CHECK(top.last_sender_name == "peer39");
}

TEST_CASE(
    "A page of conversation summaries costs the same statements and reads for 20 conversations "
    "as for 500",
    "[persistence]") {
  BACKEND(b);
  user_store users(b.db());
  conversation_store convs(b.db());
  event_store events(b.db());
  auto me = users.create("pager");
  auto peer = users.create("pagers_peer");
  REQUIRE(me.ok());
  REQUIRE(peer.ok());
  // Group i was last active at 10'000 + i; each holds three messages the user has not read.
  std::vector<conversation_id> groups;
  auto add_groups = [&](int from, int to) {
    std::vector<event> batch;
    for (int i = from; i < to; ++i) {
      auto g = convs.create_group("g" + std::to_string(i), 1000);
      REQUIRE(g.ok());
      groups.push_back(g->id);
      const std::int64_t at = 10'000 + i;
      batch.push_back(make_event(g->id, 1, me->id, "created", 0, at));
      batch.push_back(make_event(g->id, 2, me->id, "member_added", me->id, at));
      batch.push_back(make_event(g->id, 3, me->id, "member_added", peer->id, at));
      for (seq_t s = 4; s <= 6; ++s) {
        auto e = make_event(g->id, s, peer->id, "message", 0, at);
        e.client_msg_id = fmt::format("m{}-{}", i, s);
        e.payload = "news " + std::to_string(i);
        batch.push_back(e);
      }
    }
    REQUIRE(events.append(batch).ok());
  };
  int statements = 0;
  chat::test_support::work_meter meter(b.db());
  b.db().sql().set_logger(soci::logger(new statement_counter(&statements)));
  struct cost {
    int statements;
    std::int64_t work;
  };
  // A page of 10 starting after `after` (the first page without it).
  auto page_of_ten = [&](std::optional<list_position> after, conversation_id first_expected) {
    auto before = meter.read();
    statements = 0;
    auto page = convs.summaries_of(me->id, 10, after);
    cost c{statements, meter.read() - before};
    REQUIRE(page.ok());
    REQUIRE(page->items.size() == 10);
    CHECK(page->more);
    CHECK(page->items.front().c.id == first_expected);
    CHECK(page->items.front().unread == 3);
    CHECK(page->items.front().members.size() == 2);
    REQUIRE(page->items.front().last_event);
    CHECK(page->items.front().last_event->seq == 6);
    return c;
  };
  add_groups(0, 20);
  auto few_first = page_of_ten(std::nullopt, groups[19]);
  auto few_later = page_of_ten(list_position{10'000 + 15, groups[15]}, groups[14]);
  add_groups(20, 500);
  auto many_first = page_of_ten(std::nullopt, groups[499]);
  auto many_later = page_of_ten(list_position{10'000 + 250, groups[250]}, groups[249]);
  INFO("statements " << few_first.statements << ", " << few_later.statements << ", "
                     << many_first.statements << ", " << many_later.statements << "; work "
                     << few_first.work << ", " << few_later.work << ", " << many_first.work << ", "
                     << many_later.work);
  CHECK(few_first.statements == 4);
  CHECK(many_first.statements == few_first.statements);
  CHECK(few_later.statements == few_first.statements);
  CHECK(many_later.statements == few_first.statements);
  // Reads bounded by the page: 25 times the conversations may not cost noticeably more (the
  // unread counts of all 500 alone would read 1,500 more rows).
  CHECK(many_first.work <= few_first.work + few_first.work / 4 + 20);
  CHECK(many_later.work <= few_later.work + few_later.work / 4 + 20);
}

TEST_CASE("Everyone a user shares a conversation with is one statement however many there are",
          "[persistence]") {
  BACKEND(b);
  user_store users(b.db());
  conversation_store convs(b.db());
  event_store events(b.db());
  auto me = users.create("contact_owner");
  REQUIRE(me.ok());
  std::vector<user_id> peers;
  auto add_groups = [&](int from, int to) {
    for (int i = from; i < to; ++i) {
      auto peer = users.create("contact" + std::to_string(i));
      REQUIRE(peer.ok());
      peers.push_back(peer->id);
      auto g = convs.create_group("g" + std::to_string(i), 1000 + i);
      REQUIRE(g.ok());
      std::vector<event> batch{make_event(g->id, 1, me->id, "created"),
                               make_event(g->id, 2, me->id, "member_added", me->id),
                               make_event(g->id, 3, me->id, "member_added", peer->id)};
      REQUIRE(events.append(batch).ok());
    }
  };
  int statements = 0;
  b.db().sql().set_logger(soci::logger(new statement_counter(&statements)));
  auto count_for_contacts = [&] {
    statements = 0;
    auto contacts = convs.contacts_of(me->id);
    REQUIRE(contacts.ok());
    return std::make_pair(statements, *contacts);
  };
  add_groups(0, 3);
  auto [few, three] = count_for_contacts();
  add_groups(3, 30);
  auto [many, thirty] = count_for_contacts();
  CHECK(few == 1);
  CHECK(many == 1);
  CHECK(three == std::vector<user_id>(peers.begin(), peers.begin() + 3));
  CHECK(thirty == peers);  // ascending, without the user
}
