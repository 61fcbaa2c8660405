#pragma once
// Gives each test case a fresh, migrated database on each backend (a scratch_database: a temp
// SQLite file always, a fresh MySQL database when CHAT_TEST_MYSQL_URL is set) and a connection.
// The test files lean on these includes too (soci, fmt, filesystem, ...).
#include <soci/soci.h>
#include <catch2/catch.hpp>

#include <fmt/format.h>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "persistence/database.hpp"
#include "persistence/migrations.hpp"
#include "persistence/types.hpp"
#include "tests/support/scratch_database.hpp"

namespace chat::persistence::test {

using test_support::mysql_enabled;
using test_support::mysql_required;
using test_support::mysql_url;
using test_support::random_hex;

/// One backend's fresh database for one test case. Empty (`available() == false`) when the backend
/// is MySQL and no server was given; the caller then returns early (after WARN or FAIL).
class test_backend {
 public:
  /// `migrated`: apply the real migrations (false leaves an empty database).
  explicit test_backend(std::string kind, bool migrated = true)
      : scratch_(std::move(kind), migrated, "chat_persistence") {
    if (scratch_.available()) db_ = open_another();
  }

  bool available() const { return db_ != nullptr; }
  const std::string& kind() const { return scratch_.kind(); }
  const std::string& url() const { return scratch_.url(); }
  database& db() { return *db_; }

  /// A second, independent connection to the same database (for races).
  std::unique_ptr<database> open_another() {
    auto db = database::open(url());
    INFO((db.ok() ? std::string("ok") : db.err().message));
    REQUIRE(db.ok());
    return std::move(*db);
  }

 private:
  test_support::scratch_database scratch_;  // declared first: outlives the connection
  std::unique_ptr<database> db_;
};

/// A stored event of `type` with a fresh event id and a "{}" payload (tests set what else they
/// need).
inline event make_event(conversation_id c, seq_t seq, user_id sender, std::string type,
                        user_id subject = 0, std::int64_t at = 0) {
  event e;
  e.conversation = c;
  e.seq = seq;
  e.event_id = test::random_hex(32);
  e.type = std::move(type);
  e.sender = sender;
  e.subject = subject;
  e.payload = "{}";
  e.created_at_ms = at;
  return e;
}

}  // namespace chat::persistence::test

/// Runs the enclosing test case once per backend: `BACKEND(b)` declares `b`, a fresh migrated
/// database, and returns early when the backend is unavailable (already reported).
#define BACKEND(b)                                                \
  auto b##_kind = GENERATE(as<std::string>{}, "sqlite", "mysql"); \
  ::chat::persistence::test::test_backend b{b##_kind};            \
  if (!b.available()) return;                                     \
  INFO("backend: " << b##_kind)
