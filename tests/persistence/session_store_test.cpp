#include "persistence/session_store.hpp"
#include "persistence/user_store.hpp"
#include "test_backend.hpp"

using namespace chat::persistence;

namespace {
session make_session(user_id u, std::int64_t now, std::int64_t ttl) {
  session s;
  s.token_hash = test::random_hex(64);
  s.user = u;
  s.created_at_ms = now;
  s.expires_at_ms = now + ttl;
  s.last_seen_ms = now;
  s.user_agent = "test-agent/1.0";
  return s;
}
}  // namespace

TEST_CASE("Sessions are found until they expire, slide on touch and can be revoked",
          "[persistence]") {
  BACKEND(b);
  user_store users(b.db());
  session_store sessions(b.db());
  auto u = users.create("sam");
  REQUIRE(u.ok());
  const std::int64_t now = 1'700'000'000'000;
  auto s = make_session(u->id, now, 1000);
  REQUIRE(sessions.create(s).ok());

  auto found = sessions.find_valid(s.token_hash, now + 10);
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->user == u->id);
  CHECK((*found)->user_agent == "test-agent/1.0");
  CHECK((*found)->expires_at_ms == now + 1000);
  CHECK_FALSE(sessions.find_valid(s.token_hash, now + 1000)->has_value());  // expiry is exclusive
  CHECK_FALSE(sessions.find_valid(test::random_hex(64), now)->has_value());

  REQUIRE(sessions.touch(s.token_hash, now + 900, now + 5000).ok());
  auto touched = sessions.find_valid(s.token_hash, now + 2000);
  REQUIRE(touched->has_value());
  CHECK((*touched)->last_seen_ms == now + 900);
  CHECK((*touched)->expires_at_ms == now + 5000);

  REQUIRE(sessions.revoke(s.token_hash).ok());
  CHECK_FALSE(sessions.find_valid(s.token_hash, now + 2000)->has_value());
  CHECK(sessions.revoke(s.token_hash).ok());  // revoking twice is harmless
}

TEST_CASE("A user's sessions are listed and revoked together", "[persistence]") {
  BACKEND(b);
  user_store users(b.db());
  session_store sessions(b.db());
  auto u = users.create("multi");
  auto other = users.create("other");
  REQUIRE(u.ok());
  REQUIRE(other.ok());
  const std::int64_t now = 1'700'000'000'000;
  for (int i = 0; i < 3; ++i) REQUIRE(sessions.create(make_session(u->id, now + i, 1000)).ok());
  auto keep = make_session(other->id, now, 1000);
  REQUIRE(sessions.create(keep).ok());

  auto list = sessions.list_for_user(u->id);
  REQUIRE(list.ok());
  REQUIRE(list->size() == 3);
  CHECK((*list)[0].created_at_ms == now);
  CHECK((*list)[2].created_at_ms == now + 2);

  REQUIRE(sessions.revoke_all(u->id).ok());
  CHECK(sessions.list_for_user(u->id)->empty());
  CHECK(sessions.find_valid(keep.token_hash, now)->has_value());
}

TEST_CASE("A session for an unknown user or a reused token hash is refused", "[persistence]") {
  BACKEND(b);
  user_store users(b.db());
  session_store sessions(b.db());
  auto u = users.create("ref");
  REQUIRE(u.ok());
  auto s = make_session(u->id, 1, 1000);
  REQUIRE(sessions.create(s).ok());
  auto reuse = sessions.create(s);
  REQUIRE_FALSE(reuse.ok());
  CHECK(reuse.err().code == errc::duplicate);
  CHECK_FALSE(sessions.create(make_session(u->id + 1000, 1, 1000)).ok());
}
