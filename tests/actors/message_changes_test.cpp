// Issue 11 through the actors, on both backends: edits, deletes, reactions, replies, mentions and
// group roles are new log events; history, sync and list_conversations show each message in its
// current state; the state is rebuilt the same from the log after a restart and a passivation;
// retries with the same client_msg_id change nothing; refusals carry the documented code.
#include <catch2/catch.hpp>
#include <thread>

#include "harness.hpp"

using namespace chat;
using namespace chat::actors::test;
namespace p = chat::protocol;

namespace {

const p::event_frame& at_seq(const std::vector<p::event_frame>& events, p::id_t seq) {
  for (auto& e : events)
    if (e.seq == seq) return e;
  FAIL("no event " << seq);
  return events.front();
}

p::ack_frame edit(client& c, p::id_t conv, std::string cmid, p::id_t target, std::string body) {
  return as<p::ack_frame>(c.call(p::edit_message_req{c.next_id(), conv, cmid, target, body}));
}
p::ack_frame del(client& c, p::id_t conv, std::string cmid, p::id_t target) {
  return as<p::ack_frame>(c.call(p::delete_message_req{c.next_id(), conv, cmid, target}));
}
p::ack_frame react(client& c, p::id_t conv, std::string cmid, p::id_t target, std::string emoji,
                   bool remove = false) {
  return as<p::ack_frame>(c.call(p::react_req{c.next_id(), conv, cmid, target, emoji, remove}));
}

const std::string thumbs = "\xF0\x9F\x91\x8D", party = "\xF0\x9F\x8E\x89";

}  // namespace

TEST_CASE("Edit delete react reply and mention: live events and every read path agree",
          "[actors][messages]") {
  auto backend = GENERATE(from_range(backends()));
  fixture fx{backend, unlimited};
  auto a = fx.make_user("alice"), b = fx.make_user("bob"), c = fx.make_user("carol");
  client alice{fx, a, "alice"}, bob{fx, b, "bob"}, carol{fx, c, "carol"};
  for (auto* cl : {&alice, &bob, &carol}) cl->hello();
  auto g = alice.create_group("plans", {"bob", "carol"});  // seqs 1-4

  auto m1 = alice.send_msg(g.id, "m1", "the secret is 42, @Bob");
  auto reply = as<p::ack_frame>(
      bob.call(p::send_req{bob.next_id(), g.id, "m2", "which secret? @carol.", m1.seq}));
  auto ed = edit(alice, g.id, "e1", m1.seq, "never mind, @carol");
  auto r1 = react(bob, g.id, "r1", m1.seq, thumbs);
  auto r2 = react(carol, g.id, "r2", m1.seq, thumbs);
  auto r3 = react(carol, g.id, "r3", m1.seq, party);
  auto un = react(carol, g.id, "r4", m1.seq, party, true);
  CHECK(un.seq == r3.seq + 1);

  auto live = bob.wait_events(g.id, 11);
  REQUIRE(live.size() == 11);
  auto& live_m1 = at_seq(live, m1.seq);
  REQUIRE(live_m1.mentions.size() == 1);
  CHECK(live_m1.mentions[0].username == "bob");
  auto& live_reply = at_seq(live, reply.seq);
  CHECK(live_reply.reply_to == m1.seq);
  REQUIRE(live_reply.mentions.size() == 1);
  CHECK(live_reply.mentions[0].id == c);
  auto& live_edit = at_seq(live, ed.seq);
  CHECK(live_edit.type == "message_edited");
  CHECK(live_edit.target == m1.seq);
  CHECK(live_edit.body == "never mind, @carol");
  CHECK(at_seq(live, r1.seq).type == "reaction_added");
  CHECK(at_seq(live, r1.seq).emoji == thumbs);
  CHECK(at_seq(live, un.seq).type == "reaction_removed");

  // History shows the message as it is now, and the change events too.
  auto h = full_history(carol, g.id);
  REQUIRE(h.size() == 11);
  auto& now = at_seq(h, m1.seq);
  CHECK(now.body == "never mind, @carol");
  CHECK(now.edited_ts == ed.ts);
  CHECK_FALSE(now.deleted);
  REQUIRE(now.mentions.size() == 1);
  CHECK(now.mentions[0].id == c);
  REQUIRE(now.reactions.size() == 1);
  CHECK(now.reactions[0].emoji == thumbs);
  CHECK(now.reactions[0].count == 2);
  REQUIRE(now.reactions[0].users.size() == 2);
  CHECK(now.reactions[0].users[0].username == "bob");
  CHECK(now.reactions[0].users[1].username == "carol");
  CHECK(at_seq(h, ed.seq).type == "message_edited");

  // Carol was mentioned twice (the reply, and the edit of m1); Bob's mention went with the edit.
  auto carol_list =
      as<p::conversations_frame>(carol.call(p::list_conversations_req{carol.next_id()}));
  REQUIRE(carol_list.conversations.size() == 1);
  CHECK(carol_list.conversations[0].unread_mentions == 2);
  auto bob_list = as<p::conversations_frame>(bob.call(p::list_conversations_req{bob.next_id()}));
  CHECK(bob_list.conversations[0].unread_mentions == 0);

  // Delete: the text is gone from history, sync, the events of the edit, and the previews.
  auto gone = del(alice, g.id, "d1", m1.seq);
  bob.wait_events(g.id, 12);
  auto after = full_history(carol, g.id);
  auto& dead = at_seq(after, m1.seq);
  CHECK(dead.deleted);
  CHECK(dead.body.empty());
  CHECK(dead.reactions.empty());
  CHECK(dead.mentions.empty());
  CHECK(at_seq(after, ed.seq).body.empty());
  CHECK(at_seq(after, gone.seq).type == "message_deleted");
  CHECK(at_seq(after, gone.seq).target == m1.seq);
  for (auto& e : after) {
    CHECK(e.body.find("secret is") == std::string::npos);
    CHECK(e.body.find("never mind") == std::string::npos);
  }
  client dave{fx, b, "bob"};  // bob's second device syncs from scratch
  dave.hello();
  dave.send(p::sync_req{dave.next_id(), {{g.id, 0}}});
  auto synced = dave.wait_events(g.id, 12);
  CHECK(at_seq(synced, m1.seq).deleted);
  CHECK(at_seq(synced, ed.seq).body.empty());
  for (auto& e : synced) CHECK(e.body.find("never mind") == std::string::npos);
  carol_list = as<p::conversations_frame>(carol.call(p::list_conversations_req{carol.next_id()}));
  CHECK(carol_list.conversations[0].unread_mentions == 1);  // only the reply's mention is left
  CHECK(carol_list.conversations[0].last_event->type == "message_deleted");
  CHECK(carol_list.conversations[0].last_event->body.empty());

  // After a delete nothing more can happen to the message.
  CHECK(code_of(alice.call(p::edit_message_req{alice.next_id(), g.id, "e2", m1.seq, "again"})) ==
        p::error_code::not_found);
  CHECK(code_of(bob.call(p::react_req{bob.next_id(), g.id, "r9", m1.seq, party, false})) ==
        p::error_code::not_found);
  // Deleting it again (a new client_msg_id) is a repeat: the original delete's ack.
  auto again = del(alice, g.id, "d2", m1.seq);
  CHECK(again.duplicate);
  CHECK(again.seq == gone.seq);
}

TEST_CASE("Retried edits deletes and reactions with the same client_msg_id store one event",
          "[actors][messages]") {
  auto backend = GENERATE(from_range(backends()));
  fixture fx{backend, unlimited};
  auto a = fx.make_user("alice"), b = fx.make_user("bob");
  client alice{fx, a, "alice"}, bob{fx, b, "bob"};
  alice.hello();
  bob.hello();
  auto conv = alice.open_direct("bob");  // seqs 1-3
  auto m = alice.send_msg(conv.id, "m", "helo");
  auto e1 = edit(alice, conv.id, "e", m.seq, "hello");
  auto e2 = edit(alice, conv.id, "e", m.seq, "hello");
  CHECK_FALSE(e1.duplicate);
  CHECK(e2.duplicate);
  CHECK(e2.seq == e1.seq);
  CHECK(e2.ts == e1.ts);
  auto r1 = react(bob, conv.id, "r", m.seq, thumbs);
  auto r2 = react(bob, conv.id, "r", m.seq, thumbs);
  CHECK(r2.duplicate);
  CHECK(r2.seq == r1.seq);
  // The same reaction under a new client_msg_id: one reaction of a kind per person.
  auto r3 = react(bob, conv.id, "r-again", m.seq, thumbs);
  CHECK(r3.duplicate);
  CHECK(r3.seq == r1.seq);
  // Pipelined: the retry arrives while the original is still on its way to the log.
  alice.send(p::delete_message_req{"d-a", conv.id, "d", m.seq});
  alice.send(p::delete_message_req{"d-b", conv.id, "d", m.seq});
  auto first =
      alice.expect<p::ack_frame>([](auto& f) { return f.client_msg_id == "d" && !f.duplicate; });
  auto second =
      alice.expect<p::ack_frame>([](auto& f) { return f.client_msg_id == "d" && f.duplicate; });
  CHECK(second.seq == first.seq);
  // Exactly one event per change reached Bob, and the log holds nothing more.
  auto live = bob.wait_events(conv.id, 7);
  std::this_thread::sleep_for(100ms);
  CHECK(bob.events(conv.id).size() == 7);
  CHECK(full_history(bob, conv.id).size() == 7);
  // After a restart the window is rebuilt from the log: a retry is still a duplicate.
  fx.restart(unlimited);
  client alice2{fx, a, "alice"};
  alice2.hello();
  auto e3 = edit(alice2, conv.id, "e", m.seq, "hello");
  CHECK(e3.duplicate);
  CHECK(e3.seq == e1.seq);
  CHECK(full_history(alice2, conv.id).size() == 7);
}

TEST_CASE("Refusals for another's message or a left conversation or a missing role carry the codes",
          "[actors][messages]") {
  auto backend = GENERATE(from_range(backends()));
  fixture fx{backend, unlimited};
  auto a = fx.make_user("alice"), b = fx.make_user("bob"), c = fx.make_user("carol");
  client alice{fx, a, "alice"}, bob{fx, b, "bob"}, carol{fx, c, "carol"};
  for (auto* cl : {&alice, &bob, &carol}) cl->hello();
  auto g = alice.create_group("club", {"bob", "carol"});
  CHECK(g.owner == a);
  CHECK(g.admins.empty());
  auto m = bob.send_msg(g.id, "b1", "bob's words");

  CHECK(code_of(alice.call(p::edit_message_req{alice.next_id(), g.id, "x1", m.seq, "mine"})) ==
        p::error_code::forbidden);
  CHECK(code_of(carol.call(p::delete_message_req{carol.next_id(), g.id, "x2", m.seq})) ==
        p::error_code::forbidden);
  CHECK(code_of(carol.call(p::update_group_req{carol.next_id(), g.id, std::string("mine now"),
                                               std::nullopt, std::nullopt})) ==
        p::error_code::forbidden);
  CHECK(code_of(carol.call(p::remove_member_req{carol.next_id(), g.id, "bob"})) ==
        p::error_code::forbidden);
  CHECK(code_of(carol.call(p::set_role_req{carol.next_id(), g.id, "carol", "admin"})) ==
        p::error_code::forbidden);
  CHECK(code_of(alice.call(p::edit_message_req{alice.next_id(), g.id, "x3", 2, "not a message"})) ==
        p::error_code::not_found);
  CHECK(code_of(alice.call(p::react_req{alice.next_id(), g.id, "x4", 999, thumbs, false})) ==
        p::error_code::not_found);
  CHECK(code_of(alice.call(p::leave_req{alice.next_id(), g.id})) == p::error_code::forbidden);

  // The owner makes Carol an admin: now she may rename and delete others' messages.
  auto promoted = as<p::conversation_frame>(
      alice.call(p::set_role_req{alice.next_id(), g.id, "carol", "admin"}));
  CHECK(promoted.conversation.admins == std::vector<p::id_t>{c});
  auto renamed = as<p::conversation_frame>(
      carol.call(p::update_group_req{carol.next_id(), g.id, std::string("club 2"),
                                     std::string("we meet on Fridays"), std::string("#3366cc")}));
  CHECK(renamed.conversation.title == "club 2");
  CHECK(renamed.conversation.description == "we meet on Fridays");
  CHECK(renamed.conversation.avatar_color == "#3366cc");
  del(carol, g.id, "c-del", m.seq);
  // An admin may not remove the owner; the owner hands the group over and may then leave.
  CHECK(code_of(carol.call(p::remove_member_req{carol.next_id(), g.id, "alice"})) ==
        p::error_code::forbidden);
  auto handed =
      as<p::conversation_frame>(alice.call(p::set_role_req{alice.next_id(), g.id, "bob", "owner"}));
  CHECK(handed.conversation.owner == b);
  CHECK(handed.conversation.admins == std::vector<p::id_t>{a, c});
  as<p::ok_frame>(alice.call(p::leave_req{alice.next_id(), g.id}));
  // Reacting in a conversation one has left.
  auto m2 = bob.send_msg(g.id, "b2", "still here");
  CHECK(code_of(alice.call(p::react_req{alice.next_id(), g.id, "x5", m2.seq, thumbs, false})) ==
        p::error_code::not_member);
  CHECK(code_of(alice.call(p::edit_message_req{alice.next_id(), g.id, "x6", m2.seq, "x"})) ==
        p::error_code::not_member);

  // Direct conversations have no group settings and no roles.
  auto d = bob.open_direct("carol");
  CHECK(code_of(bob.call(p::update_group_req{bob.next_id(), d.id, std::string("t"), std::nullopt,
                                             std::nullopt})) == p::error_code::forbidden);
  auto dm = carol.send_msg(d.id, "c1", "hi");
  CHECK(code_of(bob.call(p::delete_message_req{bob.next_id(), d.id, "x7", dm.seq})) ==
        p::error_code::forbidden);
}

TEST_CASE("The state rebuilt from the log after a restart and a passivation is the same",
          "[actors][messages]") {
  auto backend = GENERATE(from_range(backends()));
  auto config = [](actors::server_config& c) {
    unlimited(c);
    c.idle_passivation = std::chrono::milliseconds(150);
  };
  fixture fx{backend, config};
  auto a = fx.make_user("alice"), b = fx.make_user("bob");
  p::id_t gid = 0;
  std::vector<p::event_frame> before;
  p::conversation_info info_before;
  p::ack_frame old{};
  {
    client alice{fx, a, "alice"}, bob{fx, b, "bob"};
    alice.hello();
    bob.hello();
    auto g = alice.create_group("tail", {"bob"});
    gid = g.id;
    old = alice.send_msg(gid, "old", "an old message for @bob");
    // Push it out of the conversation's in-memory tail (256 events), so changing it reads the log.
    for (int i = 0; i < 300; ++i) bob.send_msg(gid, "f" + std::to_string(i), "filler");
    edit(alice, gid, "e-old", old.seq, "an old message, edited");
    react(bob, gid, "r-old", old.seq, thumbs);
    auto recent = bob.send_msg(gid, "recent", "recent");
    react(alice, gid, "r-new", recent.seq, party);
    auto doomed = bob.send_msg(gid, "doomed", "delete me");
    del(bob, gid, "d", doomed.seq);
    as<p::conversation_frame>(alice.call(p::set_role_req{alice.next_id(), gid, "bob", "admin"}));
    as<p::conversation_frame>(bob.call(p::update_group_req{
        bob.next_id(), gid, std::string("renamed"), std::nullopt, std::nullopt}));
    before = full_history(bob, gid);
    info_before =
        as<p::conversation_frame>(alice.call(p::add_member_req{alice.next_id(), gid, "bob"}))
            .conversation;
    auto& o = at_seq(before, old.seq);
    CHECK(o.body == "an old message, edited");
    CHECK(o.mentions.empty());
    REQUIRE(o.reactions.size() == 1);
    CHECK(info_before.title == "renamed");
    CHECK(info_before.admins == std::vector<p::id_t>{b});

    // Passivation: the conversation goes idle, a fresh actor rebuilds it from the log.
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (fx.srv().snapshot().live_conversations > 0 &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
    CHECK(fx.srv().snapshot().passivations >= 1);
    CHECK(full_history(bob, gid) == before);
    CHECK(as<p::conversation_frame>(alice.call(p::add_member_req{alice.next_id(), gid, "bob"}))
              .conversation == info_before);
  }
  fx.restart(config);
  client alice{fx, a, "alice"}, bob{fx, b, "bob"};
  alice.hello();
  bob.hello();
  CHECK(full_history(bob, gid) == before);
  CHECK(as<p::conversation_frame>(alice.call(p::add_member_req{alice.next_id(), gid, "bob"}))
            .conversation == info_before);
  // And the rebuilt state still decides: the reaction exists, the delete happened.
  auto again = react(bob, gid, "r-old-2", old.seq, thumbs);
  CHECK(again.duplicate);
}
