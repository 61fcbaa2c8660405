#include <catch2/catch.hpp>

#include "persistence/search_text.hpp"

using namespace chat::persistence::search_text;

TEST_CASE("fold lower-cases ASCII letters only and keeps UTF-8 intact", "[persistence][unit]") {
  CHECK(fold("Hello WORLD 42") == "hello world 42");
  CHECK(fold("Ärger 東京") == "Ärger 東京");
}

TEST_CASE("trigrams are the distinct runs of three code points", "[persistence][unit]") {
  CHECK(trigrams("ab").empty());
  CHECK(trigrams("abc") == std::vector<std::string>{"abc"});
  CHECK(trigrams("aaaa") == std::vector<std::string>{"aaa"});
  CHECK(trigrams("東京タワー") == std::vector<std::string>{"東京タ", "京タワ", "タワー"});
}

TEST_CASE("contains compares folded text", "[persistence][unit]") {
  CHECK(contains("Lunch at NOON", "noon"));
  CHECK(contains("東京タワーに行きました", "タワー"));
  CHECK_FALSE(contains("Lunch", "lunches"));
}

TEST_CASE("An excerpt keeps the match, cuts at code points and marks what it left out",
          "[persistence][unit]") {
  CHECK(excerpt("short text", "text") == "short text");
  std::string body(200, 'x');
  body += "東京タワー";
  body += std::string(200, 'y');
  auto e = excerpt(body, "東京", 30);
  CHECK(e.find("東京タワー") != std::string::npos);
  CHECK(e.rfind("\u2026", 0) == 0);
  CHECK(e.size() > 3);
  CHECK(code_points(e) == 32);  // 30 plus an ellipsis on each side
  // No match found literally: the start of the text.
  CHECK(excerpt(body, "zzz", 10) == std::string(10, 'x') + "\u2026");
}

TEST_CASE("Cursors round-trip and anything else is refused", "[persistence][unit]") {
  cursor c{1764072000123, 12, 98};
  CHECK(decode(encode(c)) == c);
  CHECK_FALSE(decode(""));
  CHECK_FALSE(decode("1.2"));
  CHECK_FALSE(decode("1.2.x"));
  CHECK_FALSE(decode("-1.2.3"));
  CHECK_FALSE(decode("1.2.3.4"));
  CHECK_FALSE(decode("99999999999999999999.1.1"));
}
