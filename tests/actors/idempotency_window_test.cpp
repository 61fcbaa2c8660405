// A conversation's idempotency window, event by event (no actors, no database).
#include <catch2/catch.hpp>

#include <string>
#include <variant>
#include <vector>

#include "actors/idempotency_window.hpp"

using window = chat::actors::idempotency_window<std::string>;

TEST_CASE("A new message, then resends while it is pending, then after it is stored", "[unit]") {
  window w{16};
  CHECK(std::holds_alternative<window::fresh>(w.find(1, "m1")));
  w.begin(1, "m1");
  CHECK(std::holds_alternative<window::pending>(w.find(1, "m1")));
  CHECK(w.wait(1, "m1", "resend-a"));
  CHECK(w.wait(1, "m1", "resend-b"));
  CHECK_FALSE(w.wait(1, "other", "x"));  // nothing pending under that id
  w.remember(1, "m1", 7, 1234);
  CHECK(w.finish(1, "m1") == std::vector<std::string>{"resend-a", "resend-b"});
  auto found = w.find(1, "m1");
  REQUIRE(std::holds_alternative<window::stored>(found));
  CHECK(std::get<window::stored>(found).seq == 7);
  CHECK(std::get<window::stored>(found).ts == 1234);
  CHECK(w.finish(1, "m1").empty());
}

TEST_CASE("The same client_msg_id from two senders is two messages", "[unit]") {
  window w{16};
  w.remember(1, "m", 1, 0);
  CHECK(std::holds_alternative<window::stored>(w.find(1, "m")));
  CHECK(std::holds_alternative<window::fresh>(w.find(2, "m")));
}

TEST_CASE("A failed original frees its id: the next resend is a new message", "[unit]") {
  window w{16};
  w.begin(1, "m");
  w.wait(1, "m", "resend");
  CHECK(w.finish(1, "m") == std::vector<std::string>{"resend"});  // answered with the error
  CHECK(std::holds_alternative<window::fresh>(w.find(1, "m")));
}

TEST_CASE("The window keeps the newest capacity messages", "[unit]") {
  window w{3};
  for (int i = 1; i <= 4; ++i) w.remember(1, "m" + std::to_string(i), i, 0);
  CHECK(w.size() == 3);
  CHECK(std::holds_alternative<window::fresh>(w.find(1, "m1")));  // fell out: the log's key
  CHECK(std::holds_alternative<window::stored>(w.find(1, "m4")));
  w.remember(1, "m4", 4, 0);  // remembered twice (activation, then commit): counted once
  CHECK(std::holds_alternative<window::stored>(w.find(1, "m2")));
  w.remember(1, "", 5, 0);  // events without a client_msg_id are not kept
  CHECK(w.size() == 3);
}
