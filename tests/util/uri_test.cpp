#include "util/uri.hpp"

#include <catch2/catch.hpp>

using namespace chat::util;

TEST_CASE("target_path drops the query and the fragment", "[util]") {
  CHECK(target_path("/a/b?x=1#f") == "/a/b");
  CHECK(target_path("/a#f?x") == "/a");
  CHECK(target_path("/") == "/");
  CHECK(target_path("") == "");
}

TEST_CASE("percent_decode decodes escapes and refuses malformed ones", "[util]") {
  CHECK(percent_decode("a%20b%2F%2f") == "a b//");
  CHECK(percent_decode("a+b") == "a+b");
  CHECK(percent_decode("a+b", true) == "a b");
  CHECK(percent_decode("%00") == std::string(1, '\0'));
  CHECK_FALSE(percent_decode("%"));
  CHECK_FALSE(percent_decode("%4"));
  CHECK_FALSE(percent_decode("%zz"));
  CHECK_FALSE(percent_decode("abc%"));
}

TEST_CASE("percent_encode keeps only unreserved characters and round-trips", "[util]") {
  CHECK(percent_encode("a-b_c.d~e") == "a-b_c.d~e");
  CHECK(percent_encode("a b/é") == "a%20b%2F%C3%A9");
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(char(c));
  CHECK(percent_decode(percent_encode(all)) == all);
}

TEST_CASE("query_param finds the first parameter and decodes it", "[util]") {
  CHECK(query_param("/cb?code=a%2Bb&state=x+y", "code") == "a+b");
  CHECK(query_param("/cb?code=a&state=x+y", "state") == "x y");
  CHECK(query_param("/cb?flag&x=1", "flag") == "");
  CHECK(query_param("/cb?a=1&a=2", "a") == "1");
  CHECK(query_param("/cb?a=1#b=2", "b") == std::nullopt);
  CHECK(query_param("/cb", "a") == std::nullopt);
  CHECK(query_param("/cb?a=%zz", "a") == std::nullopt);
}
