#include "tests/support/scratch_database.hpp"

#include <fmt/format.h>
#include <soci/soci.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "persistence/database.hpp"
#include "persistence/migrations.hpp"

namespace chat::test_support {

std::string random_hex(std::size_t n) {
  // Seeded per thread, with the pid mixed in: two test processes started at once must differ.
  static thread_local std::mt19937_64 rng{std::random_device{}() ^
                                          static_cast<std::uint64_t>(::getpid())};
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += "0123456789abcdef"[rng() % 16];
  return out;
}

const char* mysql_url() {
  const char* url = std::getenv("CHAT_TEST_MYSQL_URL");
  return url && *url ? url : nullptr;
}

bool mysql_required() {
  const char* req = std::getenv("CHAT_REQUIRE_MYSQL");
  return req && std::string(req) == "1";
}

bool mysql_enabled(std::string_view skip_note) {
  if (mysql_url()) return true;
  if (mysql_required()) FAIL("CHAT_REQUIRE_MYSQL=1 but CHAT_TEST_MYSQL_URL is unset");
  WARN("CHAT_TEST_MYSQL_URL unset: " << skip_note);
  return false;
}

std::vector<std::string> backends() {
  std::vector<std::string> out{"sqlite"};
  if (mysql_url() || mysql_required()) out.push_back("mysql");
  return out;
}

scratch_database::scratch_database(std::string kind, bool migrated, std::string_view file_prefix)
    : kind_(std::move(kind)) {
  std::string url;
  if (kind_ == "sqlite") {
    sqlite_file_ = (std::filesystem::temp_directory_path() /
                    fmt::format("{}_{}_{}.db", file_prefix, ::getpid(), random_hex(16)))
                       .string();
    url = "sqlite:" + sqlite_file_;
  } else {
    REQUIRE(kind_ == "mysql");
    if (!mysql_enabled()) return;
    admin_url_ = mysql_url();
    auto admin = persistence::database::open(admin_url_);
    if (!admin) FAIL("mysql: " << admin.err().message);
    mysql_db_ = "chat_t_" + random_hex(16);
    // The name is ours (random hex), not user data; DDL cannot take bound identifiers.
    (*admin)->sql() << fmt::format("CREATE DATABASE {} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
                                   mysql_db_);
    // Same server and credentials (as written, percent-encoding kept), another database.
    url = admin_url_.substr(0, admin_url_.rfind('/') + 1) + mysql_db_;
  }
  if (migrated) {
    auto db = persistence::database::open(url);
    if (!db) FAIL("open " << db.err().message);
    auto m = persistence::migrate_embedded(**db);
    if (!m) FAIL("migrate " << m.err().message);
  }
  url_ = std::move(url);
}

scratch_database::~scratch_database() {
  if (!sqlite_file_.empty()) {
    std::error_code ec;
    for (const char* ext : {"", "-wal", "-shm", "-journal"})
      std::filesystem::remove(sqlite_file_ + ext, ec);
  }
  if (!mysql_db_.empty()) {
    try {
      auto admin = persistence::database::open(admin_url_);
      if (admin) (*admin)->sql() << "DROP DATABASE IF EXISTS " + mysql_db_;
    } catch (...) {
      // A database left behind is harmless (random name); never throw from a destructor.
    }
  }
}

}  // namespace chat::test_support
