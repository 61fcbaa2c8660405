#pragma once
// Gives each test case a fresh, migrated database on each backend: a temp SQLite file always, and
// a fresh MySQL database (chat_t_<random>, dropped afterwards) when CHAT_TEST_MYSQL_URL is set.
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

namespace chat::persistence::test {

inline std::string random_hex(size_t n) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string out;
  for (size_t i = 0; i < n; ++i) out += "0123456789abcdef"[rng() % 16];
  return out;
}

inline const char* mysql_url() {
  const char* url = std::getenv("CHAT_TEST_MYSQL_URL");
  return url && *url ? url : nullptr;
}

inline bool mysql_required() {
  const char* req = std::getenv("CHAT_REQUIRE_MYSQL");
  return req && std::string(req) == "1";
}

/// One backend's fresh database for one test case. Empty (`available() == false`) when the backend
/// is MySQL and no server was given; the caller then returns early (after WARN or FAIL).
class test_backend {
 public:
  /// `migrated`: apply the real migrations (false leaves an empty database).
  explicit test_backend(std::string kind, bool migrated = true) : kind_(std::move(kind)) {
    if (kind_ == "sqlite") {
      path_ =
          (std::filesystem::temp_directory_path() / ("chat_persistence_" + random_hex(16) + ".db"))
              .string();
      url_ = "sqlite:" + path_;
    } else {
      const char* base = mysql_url();
      if (!base) {
        if (mysql_required())
          FAIL("CHAT_REQUIRE_MYSQL=1 but CHAT_TEST_MYSQL_URL is unset");
        else
          WARN("CHAT_TEST_MYSQL_URL unset: skipping the MySQL run of this test");
        return;
      }
      auto admin = database::open(base);
      REQUIRE(admin.ok());
      admin_ = std::move(*admin);
      dbname_ = "chat_t_" + random_hex(12);
      // The name is ours (random hex), not user data; DDL cannot take bound identifiers.
      admin_->sql() << fmt::format("CREATE DATABASE {} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
                                   dbname_);
      auto cfg = db_config::parse(base);
      REQUIRE(cfg.ok());
      url_ = fmt::format("mysql://{}:{}@{}:{}/{}", cfg->user, cfg->password, cfg->host, cfg->port,
                         dbname_);
    }
    db_ = open_another();
    if (!migrated) return;
    auto report = migrate(*db_, default_migrations_dir());
    INFO((report.ok() ? std::string("ok") : report.err().message));
    REQUIRE(report.ok());
  }

  ~test_backend() {
    db_.reset();
    if (!path_.empty()) {
      std::error_code ec;
      for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        std::filesystem::remove(path_ + suffix, ec);
    }
    if (admin_ && !dbname_.empty()) {
      try {
        admin_->sql() << fmt::format("DROP DATABASE IF EXISTS {}", dbname_);
      } catch (...) {
      }
    }
  }

  bool available() const { return db_ != nullptr; }
  const std::string& kind() const { return kind_; }
  const std::string& url() const { return url_; }
  database& db() { return *db_; }

  /// A second, independent connection to the same database (for races).
  std::unique_ptr<database> open_another() {
    auto db = database::open(url_);
    INFO((db.ok() ? std::string("ok") : db.err().message));
    REQUIRE(db.ok());
    return std::move(*db);
  }

 private:
  std::string kind_, url_, path_, dbname_;
  std::unique_ptr<database> admin_;
  std::unique_ptr<database> db_;
};

}  // namespace chat::persistence::test

/// Runs the enclosing test case once per backend: `BACKEND(b)` declares `b`, a fresh migrated
/// database, and returns early when the backend is unavailable (already reported).
#define BACKEND(b)                                                \
  auto b##_kind = GENERATE(as<std::string>{}, "sqlite", "mysql"); \
  ::chat::persistence::test::test_backend b{b##_kind};            \
  if (!b.available()) return;                                     \
  INFO("backend: " << b##_kind)
