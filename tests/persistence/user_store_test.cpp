#include "persistence/user_store.hpp"
#include "test_backend.hpp"

using namespace chat::persistence;

namespace {
std::vector<std::string> names_of(const std::vector<user>& users) {
  std::vector<std::string> out;
  for (const auto& u : users) out.push_back(u.username);
  return out;
}
}  // namespace

TEST_CASE("Usernames are unique without regard to case and keep their spelling", "[persistence]") {
  BACKEND(b);
  user_store users(b.db());
  auto alice = users.create("Alice");
  REQUIRE(alice.ok());
  CHECK(alice->id > 0);
  CHECK(alice->username == "Alice");
  CHECK(alice->created_at_ms > 0);

  auto clash = users.create("aLICE");
  REQUIRE_FALSE(clash.ok());
  CHECK(clash.err().code == errc::duplicate);
  CHECK(clash.err().message.find("aLICE") != std::string::npos);

  auto bob = users.create("bob");
  REQUIRE(bob.ok());
  CHECK(bob->id != alice->id);

  auto found = users.find_by_username("ALICE");
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->id == alice->id);
  CHECK((*found)->username == "Alice");
  CHECK_FALSE(users.find_by_username("carol")->has_value());

  auto by_id = users.find_by_id(bob->id);
  REQUIRE(by_id->has_value());
  CHECK((*by_id)->username == "bob");
  CHECK_FALSE(users.find_by_id(bob->id + 1000)->has_value());
}

TEST_CASE("User search matches a case-insensitive prefix, sorted and limited", "[persistence]") {
  BACKEND(b);
  user_store users(b.db());
  for (const char* n : {"anna", "Andrew", "andy_x", "bert", "an%ton", "zed"})
    REQUIRE(users.create(n).ok());
  CHECK(names_of(*users.search("AN", 10)) ==
        std::vector<std::string>{"an%ton", "Andrew", "andy_x", "anna"});
  CHECK(names_of(*users.search("an", 2)) == std::vector<std::string>{"an%ton", "Andrew"});
  // Wildcards in the prefix match literally.
  CHECK(names_of(*users.search("an%", 10)) == std::vector<std::string>{"an%ton"});
  CHECK(names_of(*users.search("and_", 10)).empty());
  CHECK(names_of(*users.search("andy_", 10)) == std::vector<std::string>{"andy_x"});
  CHECK(users.search("q", 10)->empty());
  CHECK(users.search("", 100)->size() == 6);
}

TEST_CASE("Password hashes are stored, replaced and absent for identity-only users",
          "[persistence]") {
  BACKEND(b);
  user_store users(b.db());
  auto u = users.create("pat");
  REQUIRE(u.ok());
  CHECK_FALSE(users.password_hash(u->id)->has_value());
  REQUIRE(users.set_password_hash(u->id, "$argon2id$v=19$first").ok());
  CHECK(users.password_hash(u->id)->value() == "$argon2id$v=19$first");
  REQUIRE(users.set_password_hash(u->id, "$argon2id$v=19$second").ok());
  CHECK(users.password_hash(u->id)->value() == "$argon2id$v=19$second");
  auto missing = users.set_password_hash(u->id + 1000, "$argon2id$x");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.err().code == errc::not_found);
}

TEST_CASE("An external identity links to exactly one user", "[persistence]") {
  BACKEND(b);
  user_store users(b.db());
  auto u = users.create("ida");
  auto v = users.create("vic");
  REQUIRE(u.ok());
  REQUIRE(v.ok());
  REQUIRE(users.link_identity("https://accounts.google.com", "sub-1", u->id).ok());
  auto again = users.link_identity("https://accounts.google.com", "sub-1", v->id);
  REQUIRE_FALSE(again.ok());
  CHECK(again.err().code == errc::duplicate);
  // Same subject at another issuer is another identity.
  REQUIRE(users.link_identity("https://issuer.example", "sub-1", v->id).ok());
  CHECK(users.find_identity("https://accounts.google.com", "sub-1")->value() == u->id);
  CHECK(users.find_identity("https://issuer.example", "sub-1")->value() == v->id);
  CHECK_FALSE(users.find_identity("https://accounts.google.com", "SUB-1")->has_value());
  CHECK_FALSE(users.find_identity("https://accounts.google.com", "sub-2")->has_value());
}
