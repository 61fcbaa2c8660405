// Profiles and avatar images in the store, on both backends: who may fetch an image follows from
// who shows it (a user to their contacts, a group to its members), and a group's image is the
// projection of its avatar_changed events.
#include "persistence/avatar_store.hpp"
#include "persistence/conversation_store.hpp"
#include "persistence/event_store.hpp"
#include "persistence/kinds.hpp"
#include "persistence/user_store.hpp"
#include "test_backend.hpp"

using namespace chat::persistence;

namespace {

event at(conversation_id c, seq_t seq, std::string_view type, user_id sender, user_id subject,
         std::string payload) {
  event e = test::make_event(c, seq, sender, std::string(type), subject, 1700000000000 + seq);
  e.payload = std::move(payload);
  return e;
}

avatar_image image(std::string id, user_id uploader) {
  return {std::move(id), std::string(64, 'e'), "image/jpeg", uploader, 1700000000000};
}

}  // namespace

TEST_CASE("Avatar images are fetched by their uploader, a user's contacts and a group's members",
          "[persistence]") {
  BACKEND(b);
  user_store users(b.db());
  auto alice = users.create("alice"), bob = users.create("bob"), carol = users.create("carol");
  REQUIRE((alice.ok() && bob.ok() && carol.ok()));
  const auto a = alice->id, bo = bob->id, ca = carol->id;
  conversation_store convs(b.db());
  event_store log(b.db());
  auto g = convs.create_group("lunch", 1700000000000);
  REQUIRE(g.ok());
  const auto c = g->id;
  REQUIRE(log.append(std::vector<event>{at(c, 1, kind::created, a, 0, "lunch"),
                                        at(c, 2, kind::member_added, a, a, "owner"),
                                        at(c, 3, kind::member_added, a, bo, "")})
              .ok());

  avatar_store store(b.db());
  const std::string mine(32, 'a'), group_pic(32, 'b');
  REQUIRE(store.create(image(mine, a)).ok());
  REQUIRE(store.create(image(group_pic, a)).ok());
  CHECK(*store.owns(a, mine));
  CHECK_FALSE(*store.owns(bo, mine));
  auto found = store.find(mine);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->uploader == a);
  CHECK_FALSE(store.find(std::string(32, 'f'))->has_value());

  // Not shown anywhere yet: the uploader's only.
  CHECK(*store.may_fetch(a, mine));
  CHECK_FALSE(*store.may_fetch(bo, mine));

  auto p = store.set_profile(a, std::string("#aa3377"), mine);
  REQUIRE(p.ok());
  REQUIRE(p->has_value());
  CHECK(**p == profile{a, "alice", "#aa3377", mine});
  // On Alice's profile: Bob (shares the group) sees it, Carol does not.
  CHECK(*store.may_fetch(bo, mine));
  CHECK_FALSE(*store.may_fetch(ca, mine));
  // Only what is given changes.
  CHECK(**store.set_profile(a, std::nullopt, std::string()) == profile{a, "alice", "#aa3377", ""});
  CHECK_FALSE(*store.may_fetch(bo, mine));
  CHECK(**store.set_profile(a, std::nullopt, mine) == profile{a, "alice", "#aa3377", mine});

  // The group's image is its avatar_changed event's projection: members see it.
  REQUIRE(log.append(std::vector<event>{at(c, 4, kind::avatar_changed, a, 0, group_pic)}).ok());
  CHECK((*convs.find(c))->avatar == group_pic);
  CHECK(*store.may_fetch(bo, group_pic));
  CHECK_FALSE(*store.may_fetch(ca, group_pic));
  // Bob leaves: neither Alice's nor the group's image is his to see any more.
  REQUIRE(log.append(std::vector<event>{at(c, 5, kind::member_left, bo, bo, "")}).ok());
  CHECK_FALSE(*store.may_fetch(bo, group_pic));
  CHECK_FALSE(*store.may_fetch(bo, mine));

  // Profiles: contacts (you first among them by id) and a conversation's members.
  auto contacts = store.contacts_of(a, 100);
  REQUIRE(contacts.ok());
  REQUIRE(contacts->size() == 1);  // Alice alone now
  CHECK(contacts->front().avatar == mine);
  REQUIRE(log.append(std::vector<event>{at(c, 6, kind::member_added, a, ca, "")}).ok());
  auto members = store.members_of(c);
  REQUIRE(members.ok());
  REQUIRE(members->size() == 2);
  CHECK(members->at(0).id == a);
  CHECK(members->at(1) == profile{ca, "carol", "", ""});
  CHECK(store.contacts_of(ca, 100)->size() == 2);
  CHECK(store.contacts_of(ca, 1)->size() == 1);
  CHECK_FALSE(store.profile_of(9999)->has_value());
}
