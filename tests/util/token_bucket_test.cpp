#include "util/token_bucket.hpp"

#include <catch2/catch.hpp>

#include "util/clock.hpp"

using chat::util::token_bucket;

TEST_CASE("A token bucket allows its burst, then refills at its rate", "[util]") {
  token_bucket b(3, 2, 1000);  // 3 at once, 2 per second
  CHECK(b.try_take(1000));
  CHECK(b.try_take(1000));
  CHECK(b.try_take(1000));
  CHECK_FALSE(b.try_take(1000));
  CHECK(b.ms_until_token(1000) == 500);
  CHECK_FALSE(b.try_take(1499));
  CHECK(b.try_take(1500));
  CHECK_FALSE(b.full(1500));
  CHECK(b.full(3000));  // never above the burst
  CHECK(b.try_take(3000));
  CHECK(b.try_take(3000));
  CHECK(b.try_take(3000));
  CHECK_FALSE(b.try_take(3000));
}

TEST_CASE("A token bucket ignores a clock going backwards", "[util]") {
  token_bucket b(1, 1, 10'000);
  CHECK(b.try_take(10'000));
  CHECK_FALSE(b.try_take(5'000));
  CHECK(b.ms_until_token(10'000) == 1000);
  CHECK(b.try_take(11'000));
}

TEST_CASE("A zero-rate bucket never refills", "[util]") {
  token_bucket b(1, 0, 0);
  CHECK(b.try_take(0));
  CHECK_FALSE(b.try_take(1'000'000));
  CHECK(b.ms_until_token(1'000'000) == INT64_MAX);
}

TEST_CASE("An injected clock wins over the system clock", "[util]") {
  chat::util::clock fixed = [] { return std::int64_t{42}; };
  CHECK(chat::util::now_ms(fixed) == 42);
  CHECK(chat::util::now_ms(chat::util::clock{}) > 1'700'000'000'000);
}

TEST_CASE("A token bucket takes a cost of several tokens only when all are there", "[util]") {
  chat::util::token_bucket b(10, 5, 0);  // 10 at once, 5 per second
  CHECK(b.try_take(0, 4));
  CHECK(b.try_take(0, 4));
  CHECK_FALSE(b.try_take(0, 4));  // 2 left: nothing taken
  CHECK(b.try_take(0, 2));
  CHECK_FALSE(b.try_take(399, 2));  // 1.995 tokens after 399 ms
  CHECK(b.try_take(400, 2));
}
