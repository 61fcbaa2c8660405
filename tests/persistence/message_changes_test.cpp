// Issue 11 in the store: changes to a message are new events naming it by seq; the store keeps
// the projections they drive (roles, the conversation row, mentions) and redacts a deleted
// message's text, on both backends.
#include <soci/soci.h>

#include "persistence/conversation_store.hpp"
#include "persistence/event_store.hpp"
#include "persistence/kinds.hpp"
#include "persistence/message_search.hpp"
#include "persistence/user_store.hpp"
#include "test_backend.hpp"

using namespace chat::persistence;

namespace {

event make(conversation_id c, seq_t seq, std::string_view type, user_id sender, std::string payload,
           seq_t target = 0, std::string cmid = {}) {
  event e;
  e.conversation = c;
  e.seq = seq;
  e.event_id = test::random_hex(32);
  e.type = std::string(type);
  e.sender = sender;
  e.client_msg_id = cmid.empty() ? "c" + std::to_string(seq) : std::move(cmid);
  e.payload = std::move(payload);
  e.created_at_ms = 1700000000000 + seq;
  e.target = target;
  return e;
}

/// Every payload stored for conversation c (the raw log, not a read path).
std::vector<std::string> raw_payloads(database& db, conversation_id c) {
  std::vector<std::string> out;
  std::string p;
  soci::statement st = (db.sql().prepare << "SELECT payload FROM conversation_events WHERE "
                                            "conversation_id = :c ORDER BY seq",
                        soci::use(c), soci::into(p));
  st.execute();
  while (st.fetch()) out.push_back(p);
  return out;
}

}  // namespace

TEST_CASE("Edits, reactions and replies are new events; a delete blanks the text everywhere",
          "[persistence]") {
  BACKEND(b);
  event_store log(b.db());
  conversation_store convs(b.db());
  auto g = convs.create_group("team", 1700000000000);
  REQUIRE(g.ok());
  const auto c = g->id;
  auto m1 = make(c, 1, kind::message, 7, "secret plan for @bob");
  m1.mentions = {8};
  auto m2 = make(c, 2, kind::message, 8, "what plan?");
  m2.reply_to = 1;
  REQUIRE(log.append(std::vector<event>{m1, m2}).ok());
  auto edit = make(c, 3, kind::message_edited, 7, "revised secret plan", 1);
  edit.mentions = {8, 9};
  auto react = make(c, 4, kind::reaction_added, 8, "\xF0\x9F\x91\x8D", 1);
  REQUIRE(log.append(std::vector<event>{edit, react}).ok());

  auto page = log.read_after(c, 0, 10);
  REQUIRE(page.ok());
  REQUIRE(page->size() == 4);
  CHECK((*page)[0].payload == "secret plan for @bob");  // the log keeps the original text
  CHECK((*page)[0].mentions == std::vector<user_id>{8});
  CHECK((*page)[1].reply_to == 1);
  CHECK((*page)[2].target == 1);
  CHECK((*page)[2].mentions == std::vector<user_id>{8, 9});
  auto changes = log.changes_of(c, 1, 2);
  REQUIRE(changes.ok());
  REQUIRE(changes->size() == 2);
  CHECK((*changes)[0].type == "message_edited");
  CHECK((*changes)[1].payload == "\xF0\x9F\x91\x8D");
  // The mentions projection follows the current text: user 9 is mentioned since the edit.
  CHECK(*convs.unread_mentions(c, 9, 0) == 1);
  CHECK(*convs.unread_mentions(c, 8, 0) == 1);
  CHECK(*convs.unread_mentions(c, 8, 1) == 0);

  REQUIRE(log.append(std::vector<event>{make(c, 5, kind::message_deleted, 7, "", 1)}).ok());
  // Gone from the log itself: the message's text and its edit's, not only from the read paths.
  auto raw = raw_payloads(b.db(), c);
  REQUIRE(raw.size() == 5);
  CHECK(raw[0].empty());
  CHECK(raw[1] == "what plan?");
  CHECK(raw[2].empty());
  for (auto& p : raw) CHECK(p.find("secret") == std::string::npos);
  auto after = log.read_after(c, 0, 10);
  REQUIRE(after.ok());
  CHECK((*after)[0].mentions.empty());
  CHECK((*after)[4].type == "message_deleted");
  CHECK((*after)[4].target == 1);
  CHECK(*convs.unread_mentions(c, 9, 0) == 0);
  // The seqs never move: the events are all still there.
  CHECK(*log.last_seq(c) == 5);
}

TEST_CASE("Roles, title, description and colour are projections of their events", "[persistence]") {
  BACKEND(b);
  event_store log(b.db());
  conversation_store convs(b.db());
  auto g = convs.create_group("team", 1700000000000);
  REQUIRE(g.ok());
  const auto c = g->id;
  auto created = make(c, 1, kind::created, 7, "team");
  auto owner = make(c, 2, kind::member_added, 7, "owner");
  owner.subject = 7;
  auto bob = make(c, 3, kind::member_added, 7, "");
  bob.subject = 8;
  REQUIRE(log.append(std::vector<event>{created, owner, bob}).ok());
  auto roles = convs.roles(c);
  REQUIRE(roles.ok());
  CHECK(*roles == std::vector<std::pair<user_id, std::string>>{{7, "owner"}, {8, "member"}});

  auto promote = make(c, 4, kind::role_changed, 7, "admin");
  promote.subject = 8;
  REQUIRE(log.append(std::vector<event>{promote, make(c, 5, kind::renamed, 8, "team 2"),
                                        make(c, 6, kind::description_changed, 8, "we ship"),
                                        make(c, 7, kind::avatar_color_changed, 8, "#3366cc")})
              .ok());
  CHECK(*convs.roles(c) ==
        std::vector<std::pair<user_id, std::string>>{{7, "owner"}, {8, "admin"}});
  auto found = convs.find(c);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->title == "team 2");
  CHECK((*found)->description == "we ship");
  CHECK((*found)->avatar_color == "#3366cc");
  auto listed = convs.summaries_of(8);
  REQUIRE(listed.ok());
  REQUIRE(listed->size() == 1);
  CHECK(listed->front().c.description == "we ship");
  CHECK(listed->front().last_event->type == "avatar_color_changed");
}

TEST_CASE("Search finds an edited message by its new text only and a deleted one never",
          "[persistence]") {
  BACKEND(b);
  event_store log(b.db());
  conversation_store convs(b.db());
  message_search search(b.db());
  const user_id u = user_store(b.db()).create("alice")->id;
  auto g = convs.create_group("team", 1700000000000);
  REQUIRE(g.ok());
  const auto c = g->id;
  auto me = make(c, 1, kind::member_added, u, "owner");
  me.subject = u;
  REQUIRE(log.append(std::vector<event>{me, make(c, 2, kind::message, u, "lunch at noon"),
                                        make(c, 3, kind::message, u, "dinner at eight")})
              .ok());
  REQUIRE(search.catch_up().ok());
  REQUIRE(log.append(std::vector<event>{make(c, 4, kind::message_edited, u, "brunch at ten", 2),
                                        make(c, 5, kind::message_deleted, u, "", 3)})
              .ok());
  auto raw_hits = [&](std::string_view q) {
    auto r = search.search(u, q, std::nullopt, 10);
    REQUIRE(r.ok());
    std::vector<seq_t> out;
    for (auto& h : r->hits) out.push_back(h.seq);
    return out;
  };
  // Before the indexer runs: the delete counts at once (the log says so), the edit not yet.
  CHECK(raw_hits("dinner").empty());
  CHECK(raw_hits("lunch at noon") == std::vector<seq_t>{2});
  REQUIRE(search.catch_up().ok());
  auto hits = [&](std::string_view q) {
    auto r = search.search(u, q, std::nullopt, 10);
    REQUIRE(r.ok());
    std::vector<seq_t> out;
    for (auto& h : r->hits) out.push_back(h.seq);
    return out;
  };
  CHECK(hits("brunch") == std::vector<seq_t>{2});
  CHECK(hits("lunch at noon").empty());
  CHECK(hits("dinner").empty());
  CHECK(hits("at") == std::vector<seq_t>{2});
  // Rebuilt from the log (as migration 0004 does), the index is the same.
  REQUIRE(search.rebuild().ok());
  CHECK(hits("brunch") == std::vector<seq_t>{2});
  CHECK(hits("dinner").empty());
}
