#include "actors/user_budgets.hpp"

#include <catch2/catch.hpp>

using chat::actors::user_budgets;

TEST_CASE("A user's connections draw on one database budget; another user has their own",
          "[unit]") {
  user_budgets b(8, 2);  // 8 units at once, 2 per second
  // Two connections of user 1 (the table knows only the user): 4 + 4 spends it.
  CHECK(b.try_take(1, 4, 1000));
  CHECK(b.try_take(1, 4, 1000));
  CHECK_FALSE(b.try_take(1, 4, 1000));
  CHECK_FALSE(b.try_take(1, 1, 1000));
  // User 2 is not touched by user 1's spending.
  CHECK(b.try_take(2, 4, 1000));
  CHECK(b.try_take(2, 4, 1000));
  CHECK_FALSE(b.try_take(2, 1, 1000));
  // Refill at 2 per second: 4 units take 2 s.
  CHECK_FALSE(b.try_take(1, 4, 2999));
  CHECK(b.try_take(1, 4, 3000));
}

TEST_CASE("A refused request takes nothing from the budget", "[unit]") {
  user_budgets b(5, 1);
  CHECK(b.try_take(7, 3, 0));
  CHECK_FALSE(b.try_take(7, 4, 0));  // 2 left: refused, still 2
  CHECK(b.try_take(7, 2, 0));
  CHECK_FALSE(b.try_take(7, 1, 0));
}

TEST_CASE("Users who stop asking are forgotten once their budget is full again", "[unit]") {
  user_budgets b(10, 5);  // empty to full in 2 s: swept every 2 s
  for (std::int64_t u = 1; u <= 1000; ++u) CHECK(b.try_take(u, 10, 0));
  CHECK(b.size() == 1000);
  CHECK_FALSE(b.try_take(1, 6, 1000));  // half refilled (5 left): refused, still held
  CHECK(b.try_take(5, 5, 1000));        // user 5 keeps spending
  CHECK(b.size() == 1000);
  // The sweep at 2 s drops every full budget (a fresh one says the same): only user 5, still
  // short of a full budget, is held besides the newcomer.
  CHECK(b.try_take(1001, 1, 2000));
  CHECK(b.size() == 2);
  CHECK_FALSE(b.try_take(5, 6, 2000));  // 5 left: user 5's spending was kept, not reset
  CHECK(b.try_take(1, 10, 2000));       // user 1 comes back with a full budget
  CHECK(b.size() == 3);
  CHECK(b.try_take(2, 1, 4000));  // the next sweep: everyone is full again
  CHECK(b.size() == 1);
}

TEST_CASE("A clock going backwards neither refills nor breaks the budget", "[unit]") {
  user_budgets b(4, 1);
  CHECK(b.try_take(1, 4, 10'000));
  CHECK_FALSE(b.try_take(1, 1, 5'000));
  CHECK(b.try_take(1, 1, 11'000));
}
