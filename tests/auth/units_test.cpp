// Pure helpers of auth/: username and password rules, encodings, cookies, rate limiter.
#include <catch2/catch.hpp>

#include "auth/crypto.hpp"
#include "auth/http_util.hpp"
#include "auth/password.hpp"
#include "auth/rate_limiter.hpp"
#include "auth/username.hpp"

using namespace chat::auth;

TEST_CASE("Username rules accept and refuse the documented shapes", "[auth]") {
  REQUIRE_FALSE(check_username("abc"));
  REQUIRE_FALSE(check_username("A.b-c_9"));
  REQUIRE(check_username("ab")->reason == "too_short");
  REQUIRE(check_username(std::string(33, 'a'))->reason == "too_long");
  REQUIRE(check_username("-abc")->reason == "must_start_alnum");
  REQUIRE(check_username("a b c")->reason == "invalid_characters");
  REQUIRE(check_username("abc\n")->reason == "invalid_characters");
  REQUIRE(check_username(std::string("ab\0c", 4))->reason == "invalid_characters");
  REQUIRE(check_username("ADMIN")->reason == "reserved");
  REQUIRE(to_lower("MiXeD.9") == "mixed.9");
}

TEST_CASE("Password rules count characters and bound bytes", "[auth]") {
  REQUIRE(password_problem("1234567", "u"));
  REQUIRE_FALSE(password_problem("12345678", "u"));
  REQUIRE(password_problem("\xe2\x82\xac\xe2\x82\xac\xe2\x82\xac", "u"));  // 3 chars, 9 bytes
  REQUIRE(password_problem(std::string(1025, 'a'), "u"));
  REQUIRE(password_problem("SameAsName", "sameasname"));
}

TEST_CASE("Password hashes are argon2id and verify only the right password", "[auth]") {
  password_hasher h(true);
  auto e = h.hash("correct horse");
  REQUIRE(e);
  REQUIRE(e->rfind("$argon2id$", 0) == 0);
  REQUIRE(h.verify(*e, "correct horse"));
  REQUIRE_FALSE(h.verify(*e, "correct horsE"));
  REQUIRE_FALSE(h.verify("", "x"));
  REQUIRE_FALSE(h.verify("garbage", "x"));
  REQUIRE(e != h.hash("correct horse"));  // salted
  password_hasher slow(false);
  REQUIRE(slow.needs_rehash(*e));
  REQUIRE_FALSE(h.needs_rehash(*e));
}

TEST_CASE("Tokens are 32 random bytes in base64url and hash to hex SHA-256", "[auth]") {
  const auto a = random_token(), b = random_token();
  REQUIRE(a != b);
  REQUIRE(looks_like_token(a));
  REQUIRE(base64url_decode(a)->size() == 32);
  REQUIRE_FALSE(looks_like_token(a + "x"));
  REQUIRE_FALSE(looks_like_token(std::string(42, 'A') + "+"));
  REQUIRE(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  REQUIRE(base64url_encode("\xfb\xff") == "-_8");
  REQUIRE(base64url_decode("-_8") == std::string("\xfb\xff"));
  REQUIRE(base64url_decode("-_8=") == std::string("\xfb\xff"));
  REQUIRE_FALSE(base64url_decode("a+b/"));
  REQUIRE(constant_time_equal("abc", "abc"));
  REQUIRE_FALSE(constant_time_equal("abc", "abd"));
  REQUIRE_FALSE(constant_time_equal("abc", "ab"));
}

TEST_CASE("Cookies, bearer headers and query strings are parsed defensively", "[auth]") {
  REQUIRE(cookie_value("a=1; chatd_session=tok; b=2", "chatd_session") == "tok");
  REQUIRE(cookie_value("xchatd_session=1", "chatd_session") == std::nullopt);
  REQUIRE(cookie_value("chatd_session=\"q\"", "chatd_session") == "q");
  REQUIRE(cookie_value(";;=;", "chatd_session") == std::nullopt);
  REQUIRE(bearer_token("Bearer abc") == "abc");
  REQUIRE(bearer_token("bearer   abc ") == "abc");
  REQUIRE(bearer_token("Bearer ") == std::nullopt);
  REQUIRE(bearer_token("Basic abc") == std::nullopt);
  REQUIRE(query_param("/api/username?name=Al%20ice&x=1", "name") == "Al ice");
  REQUIRE(query_param("/api/username?x=1&name=b%2Bc", "name") == "b+c");
  REQUIRE(query_param("/api/username?name=%zz", "name") == std::nullopt);
  REQUIRE(query_param("/api/username?name=%4", "name") == std::nullopt);
  REQUIRE(query_param("/api/username", "name") == std::nullopt);
  REQUIRE(target_path("/a/b?c=d") == "/a/b");
  REQUIRE(url_encode("a b/&=") == "a%20b%2F%26%3D");
  REQUIRE(log_safe("a\"b\nc") == "a?b?c");
}

TEST_CASE("The rate limiter allows a burst, then refills over time, per key", "[auth]") {
  rate_limiter rl(2, 60, 4);  // one per second
  REQUIRE(rl.allow("a", 0));
  REQUIRE(rl.allow("a", 0));
  REQUIRE_FALSE(rl.allow("a", 0));
  REQUIRE(rl.retry_after_ms("a", 0) == 1000);
  REQUIRE(rl.allow("b", 0));
  REQUIRE_FALSE(rl.allow("a", 500));
  REQUIRE(rl.allow("a", 1000));
  // Many keys: memory stays bounded, the limiter keeps working.
  for (int i = 0; i < 100; ++i) rl.allow("k" + std::to_string(i), 2000);
  REQUIRE(rl.allow("z", 2000));
}
