#include "util/cookie.hpp"

#include <catch2/catch.hpp>

using chat::util::cookie_value;

TEST_CASE("cookie_value finds a cookie among others, with or without spaces", "[util]") {
  CHECK(cookie_value("chatd_session=abc", "chatd_session") == "abc");
  CHECK(cookie_value("a=1; chatd_session=abc; b=2", "chatd_session") == "abc");
  CHECK(cookie_value("a=1;chatd_session=abc", "chatd_session") == "abc");
  CHECK(cookie_value(" chatd_session = abc ;", "chatd_session") == "abc");
  CHECK(cookie_value("chatd_session=\"abc\"", "chatd_session") == "abc");
  CHECK(cookie_value("chatd_session=", "chatd_session") == "");
}

TEST_CASE("cookie_value takes the first match and never a prefix or a bare word", "[util]") {
  CHECK(cookie_value("x=1; x=2", "x") == "1");
  CHECK(cookie_value("chatd_session_old=1", "chatd_session") == std::nullopt);
  CHECK(cookie_value("chatd_session; chatd_session=2", "chatd_session") == "2");
  CHECK(cookie_value("", "x") == std::nullopt);
  CHECK(cookie_value(";;;", "x") == std::nullopt);
}
