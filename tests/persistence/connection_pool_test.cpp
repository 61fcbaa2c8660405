// The one connection pool: bounded size and wait, lost connections dropped and reopened, each
// outage reported once (lost, reconnect failed, reconnected).
#include <catch2/catch.hpp>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "persistence/connection_pool.hpp"
#include "tests/support/scratch_database.hpp"

using namespace chat;
using namespace chat::persistence;
using namespace std::chrono_literals;

namespace {

struct recorder {
  std::vector<std::pair<connection_pool::event, std::string>> events;
  connection_pool::observer observer() {
    return [this](connection_pool::event e, std::string_view d) { events.emplace_back(e, d); };
  }
};

db_config sqlite_at(const std::string& path) {
  auto cfg = db_config::parse("sqlite:" + path);
  REQUIRE(cfg);
  return *cfg;
}

}  // namespace

TEST_CASE("The pool opens at most size connections and refuses after max_wait", "[persistence]") {
  test_support::scratch_database scratch{"sqlite", true, "chat_pool"};
  auto cfg = db_config::parse(scratch.url());
  REQUIRE(cfg);
  connection_pool pool{*cfg, 2, 50ms};
  auto a = pool.acquire(), b = pool.acquire();
  REQUIRE(a);
  REQUIRE(b);
  CHECK(pool.open_connections() == 2);
  auto started = std::chrono::steady_clock::now();
  auto c = pool.acquire();
  REQUIRE_FALSE(c);
  CHECK(c.err().code == errc::unavailable);
  CHECK(std::chrono::steady_clock::now() - started >= 50ms);
  { auto done = std::move(*a); }  // returned: the next caller gets it without a new connection
  auto d = pool.acquire();
  REQUIRE(d);
  CHECK(pool.open_connections() == 2);
}

TEST_CASE("A job that loses its connection drops it, and the outage is reported once",
          "[persistence]") {
  test_support::scratch_database scratch{"sqlite", true, "chat_pool"};
  auto cfg = db_config::parse(scratch.url());
  REQUIRE(cfg);
  recorder rec;
  connection_pool pool{*cfg, 3, 1s, rec.observer()};
  auto lost = [](database&) -> result<int> { return error{errc::unavailable, "gone"}; };
  auto fine = [](database&) -> result<int> { return 7; };
  REQUIRE(pool.run(fine).value() == 7);
  CHECK(pool.open_connections() == 1);
  CHECK(rec.events.empty());  // the first connection is no reconnect
  CHECK(pool.run(lost).err().code == errc::unavailable);
  CHECK(pool.open_connections() == 0);
  REQUIRE(rec.events.size() == 1);
  CHECK(rec.events[0].first == connection_pool::event::lost);
  REQUIRE(pool.run(fine).value() == 7);  // reopened
  REQUIRE(rec.events.size() == 2);
  CHECK(rec.events[1].first == connection_pool::event::reconnected);
  rec.events.clear();
  // Every connection lost in one outage: one report.
  {
    auto a = pool.acquire(), b = pool.acquire(), c = pool.acquire();
    REQUIRE((a && b && c));
    a->broken();
    b->broken();
    c->broken();
  }
  CHECK(pool.open_connections() == 0);
  REQUIRE(rec.events.size() == 1);
  REQUIRE(pool.run(fine).value() == 7);
  REQUIRE(rec.events.size() == 2);
  CHECK(rec.events[1].first == connection_pool::event::reconnected);
  rec.events.clear();
  // Other errors say nothing about the connection: it stays.
  REQUIRE(pool.run(fine).value() == 7);
  auto refused = [](database&) -> result<int> { return error{errc::duplicate, "dup"}; };
  CHECK(pool.run(refused).err().code == errc::duplicate);
  CHECK(pool.open_connections() == 1);
  CHECK(rec.events.empty());
}

TEST_CASE("While the database cannot be opened, the failure is reported once, then the reconnect",
          "[persistence]") {
  auto dir = std::filesystem::temp_directory_path() / ("chat_pool_" + test_support::random_hex(12));
  auto path = (dir / "chat.db").string();  // its folder does not exist yet
  recorder rec;
  connection_pool pool{sqlite_at(path), 2, 1s, rec.observer()};
  auto first = pool.acquire();
  REQUIRE_FALSE(first);
  CHECK_FALSE(pool.acquire());
  CHECK(pool.open_connections() == 0);
  REQUIRE(rec.events.size() == 1);
  CHECK(rec.events[0].first == connection_pool::event::reconnect_failed);
  CHECK_FALSE(rec.events[0].second.empty());
  std::filesystem::create_directories(dir);
  auto later = pool.acquire();
  REQUIRE(later);
  REQUIRE(rec.events.size() == 2);
  CHECK(rec.events[1].first == connection_pool::event::reconnected);
  { auto done = std::move(*later); }
  std::filesystem::remove_all(dir);
}
