#include "util/text.hpp"

#include <catch2/catch.hpp>

#include "util/shard.hpp"

using namespace chat::util;
using namespace std::chrono_literals;

TEST_CASE("trim removes spaces and tabs at both ends only", "[util]") {
  CHECK(trim("  a b\t ") == "a b");
  CHECK(trim("") == "");
  CHECK(trim(" \t ") == "");
}

TEST_CASE("split keeps empty pieces", "[util]") {
  CHECK(split("a,,b", ',') == std::vector<std::string_view>{"a", "", "b"});
  CHECK(split("", ',') == std::vector<std::string_view>{""});
  CHECK(split("a,", ',') == std::vector<std::string_view>{"a", ""});
}

TEST_CASE("iequals ignores ASCII case only", "[util]") {
  CHECK(iequals("Bearer ", "bearer "));
  CHECK_FALSE(iequals("bearer", "bearer "));
  CHECK_FALSE(iequals("@", "`"));  // differ only in bit 0x20, not letters
}

TEST_CASE("Durations parse with units and format back exactly", "[util]") {
  CHECK(parse_duration("300") == 300s);
  CHECK(parse_duration("300s") == 300s);
  CHECK(parse_duration("500ms") == 500ms);
  CHECK(parse_duration("5m") == 5min);
  CHECK(parse_duration("2h") == 2h);
  CHECK_FALSE(parse_duration(""));
  CHECK_FALSE(parse_duration("-1s"));
  CHECK_FALSE(parse_duration("1d"));
  CHECK_FALSE(parse_duration("s"));
  CHECK_FALSE(parse_duration("99999999999999999999"));
  for (auto d : {300000ms, 500ms, 1000ms, 60000ms, 7200000ms, 0ms, 1500ms}) {
    INFO(format_duration(d));
    CHECK(parse_duration(format_duration(d)) == d);
  }
  CHECK(format_duration(300s) == "5m");
  CHECK(format_duration(10s) == "10s");
}

TEST_CASE("Shard placement spreads ids over every shard and is stable", "[util]") {
  CHECK(shard_of(0, 4) == 0);
  CHECK(shard_of(5, 4) == 1);
  CHECK(shard_of(7, 1) == 0);
  std::vector<int> seen(4);
  for (std::int64_t id = 1; id <= 400; ++id) ++seen[shard_of(id, 4)];
  for (int n : seen) CHECK(n == 100);
}

TEST_CASE("iso8601_utc writes UTC to the second", "[util]") {
  using chat::util::iso8601_utc;
  CHECK(iso8601_utc(0) == "1970-01-01T00:00:00Z");
  CHECK(iso8601_utc(1'798'200'000'999) == "2026-12-25T12:00:00Z");  // milliseconds dropped
  CHECK(iso8601_utc(-1) == "1969-12-31T23:59:59Z");
}
