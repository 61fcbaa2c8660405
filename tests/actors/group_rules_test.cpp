// Who may do what, and which @names a message mentions (pure functions).
#include <catch2/catch.hpp>

#include "actors/group_rules.hpp"

using namespace chat::actors;

TEST_CASE("Roles decide who may edit, delete, change the group, remove and give roles", "[unit]") {
  CHECK(may_edit(7, 7));
  CHECK_FALSE(may_edit(8, 7));
  CHECK(may_delete(7, role::member, 7, true));
  CHECK_FALSE(may_delete(8, role::member, 7, true));
  CHECK(may_delete(8, role::admin, 7, true));
  CHECK(may_delete(8, role::owner, 7, true));
  CHECK_FALSE(may_delete(8, role::owner, 7, false));  // direct: only one's own
  CHECK_FALSE(may_update_group(role::member));
  CHECK(may_update_group(role::admin));
  CHECK(may_remove(role::admin, role::member));
  CHECK_FALSE(may_remove(role::admin, role::admin));
  CHECK_FALSE(may_remove(role::admin, role::owner));
  CHECK(may_remove(role::owner, role::admin));
  CHECK_FALSE(may_remove(role::member, role::member));
  CHECK(may_set_role(role::owner));
  CHECK_FALSE(may_set_role(role::admin));
  CHECK(role_of("owner") == role::owner);
  CHECK(role_of("nonsense") == role::member);
  CHECK(std::string(role_name(role::admin)) == "admin");
}

TEST_CASE("Mentions resolve @names of members, case-insensitively, once each", "[unit]") {
  std::vector<std::pair<std::int64_t, std::string>> members{
      {7, "alice"}, {8, "Bob"}, {9, "carol.j"}, {10, "dee-"}};
  CHECK(find_mentions("hi @bob and @ALICE", members, 1, 50) == std::vector<std::int64_t>{8, 7});
  CHECK(find_mentions("@bob @bob @Bob", members, 1, 50) == std::vector<std::int64_t>{8});
  CHECK(find_mentions("thanks @carol.j.", members, 1, 50) == std::vector<std::int64_t>{9});
  CHECK(find_mentions("ask @dee-", members, 1, 50) == std::vector<std::int64_t>{10});
  CHECK(find_mentions("mail bob@bob.com or @zed", members, 1, 50).empty());
  CHECK(find_mentions("(@bob)", members, 1, 50) == std::vector<std::int64_t>{8});
  CHECK(find_mentions("@alice is me", members, 7, 50).empty());  // never the sender
  CHECK(find_mentions("@alice @bob", members, 1, 1) == std::vector<std::int64_t>{7});
  CHECK(find_mentions("@", members, 1, 50).empty());
  CHECK(find_mentions("@\xE4\xBD\xA0\xE5\xA5\xBD @bob", members, 1, 50) ==
        std::vector<std::int64_t>{8});
}
