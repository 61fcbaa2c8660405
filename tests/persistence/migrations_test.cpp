#include <fstream>
#include <iterator>
#include <map>
#include <thread>

#include "persistence/conversation_store.hpp"
#include "test_backend.hpp"

using namespace chat::persistence;
namespace fs = std::filesystem;

namespace {

/// A private copy of the migrations, so a test may edit them.
struct migrations_copy {
  fs::path dir = fs::temp_directory_path() / ("chat_migrations_" + test::random_hex(12));
  migrations_copy() {
    fs::create_directories(dir);
    for (const auto& m : embedded_migrations()) write(m.name, m.text);
  }
  ~migrations_copy() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary | std::ios::trunc) << text;
  }
  void append(const std::string& name, const std::string& text) {
    std::ofstream(dir / name, std::ios::binary | std::ios::app) << text;
  }
};

std::string file_for(const test::test_backend& b, const std::string& stem) {
  return stem + (b.kind() == "sqlite" ? ".sqlite.sql" : ".mysql.sql");
}

}  // namespace

TEST_CASE("Migrations are recorded once and are safe to run twice", "[persistence]") {
  BACKEND(b);  // already migrated once by the fixture
  auto again = migrate_embedded(b.db());
  REQUIRE(again.ok());
  CHECK(again->applied.empty());
  CHECK(again->already_applied >= 1);
  int rows = 0;
  std::string checksum;
  b.db().sql() << "SELECT COUNT(*) FROM schema_migrations", soci::into(rows);
  b.db().sql() << "SELECT checksum FROM schema_migrations WHERE version = 1", soci::into(checksum);
  CHECK(rows == again->already_applied);
  CHECK(checksum.size() == 64);
}

TEST_CASE("A new migration is applied in order, only once", "[persistence]") {
  BACKEND(b);
  migrations_copy m;
  m.write("0900_extra.sql",
          "-- test\nCREATE TABLE extra_t (id INTEGER NOT NULL PRIMARY KEY);\n"
          "INSERT INTO extra_t (id) VALUES (1);\n");
  auto first = migrate(b.db(), m.dir.string());
  REQUIRE(first.ok());
  CHECK(first->applied == std::vector<std::string>{"0900_extra.sql"});
  auto second = migrate(b.db(), m.dir.string());
  REQUIRE(second.ok());
  CHECK(second->applied.empty());
  int n = 0;
  b.db().sql() << "SELECT COUNT(*) FROM extra_t", soci::into(n);
  CHECK(n == 1);
}

TEST_CASE("A changed migration file is refused with migration_mismatch naming the file",
          "[persistence]") {
  BACKEND(b);
  migrations_copy m;
  auto name = file_for(b, "0001_initial");
  m.append(name, "\n-- an innocent-looking edit\n");
  auto r = migrate(b.db(), m.dir.string());
  REQUIRE_FALSE(r.ok());
  INFO(r.err().message);
  CHECK(r.err().code == errc::migration_mismatch);
  CHECK(r.err().message.find(name) != std::string::npos);
  CHECK(r.err().message.find('\n') == std::string::npos);
  // A dry run reports the same mismatch.
  auto dry = migrate(b.db(), m.dir.string(), true);
  REQUIRE_FALSE(dry.ok());
  CHECK(dry.err().code == errc::migration_mismatch);
}

TEST_CASE("A dry run applies nothing and refuses while migrations are pending", "[persistence]") {
  BACKEND(b);
  migrations_copy m;
  m.write("0901_pending.sql", "CREATE TABLE pending_t (id INTEGER NOT NULL PRIMARY KEY);\n");
  auto dry = migrate(b.db(), m.dir.string(), true);
  REQUIRE_FALSE(dry.ok());
  INFO(dry.err().message);
  CHECK(dry.err().message.find("0901_pending.sql") != std::string::npos);
  CHECK(dry.err().message.find("pending") != std::string::npos);
  auto up_to_date = migrate_embedded(b.db(), true);
  CHECK(up_to_date.ok());
}

TEST_CASE("A database with a migration this build lacks is refused", "[persistence]") {
  BACKEND(b);
  b.db().sql() << "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES "
                  "(9999, '9999_future.sql', 'x', 0)";
  auto r = migrate_embedded(b.db());
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == errc::migration_mismatch);
  CHECK(r.err().message.find("9999_future.sql") != std::string::npos);
}

TEST_CASE("A missing migrations directory is a clear bad_config error", "[persistence]") {
  auto db = database::open("sqlite::memory:");
  REQUIRE(db.ok());
  auto r = migrate(**db, "/nonexistent-migrations-" + test::random_hex(6));
  REQUIRE_FALSE(r.ok());
  CHECK(r.err().code == errc::bad_config);
  CHECK(r.err().message.find("nonexistent-migrations-") != std::string::npos);
}

TEST_CASE("Two servers migrating one fresh database at once apply each migration once",
          "[persistence]") {
  auto kind = GENERATE(as<std::string>{}, "sqlite", "mysql");
  test::test_backend b(kind, false);
  if (!b.available()) return;
  INFO("backend: " << kind);
  std::string errors[2];
  size_t applied[2] = {0, 0};
  auto runner = [&](int i) {
    auto db = database::open(b.url());
    if (!db) {
      errors[i] = db.err().message;
      return;
    }
    auto r = migrate_embedded(**db);
    if (!r)
      errors[i] = r.err().message;
    else
      applied[i] = r->applied.size();
  };
  std::thread t0(runner, 0), t1(runner, 1);
  t0.join();
  t1.join();
  INFO(errors[0] << " | " << errors[1]);
  CHECK(errors[0].empty());
  CHECK(errors[1].empty());
  CHECK((applied[0] == 0 || applied[1] == 0));
  CHECK(applied[0] + applied[1] >= 1);
  int rows = 0;
  b.db().sql() << "SELECT COUNT(*) FROM schema_migrations", soci::into(rows);
  CHECK(rows == static_cast<int>(applied[0] + applied[1]));
}

TEST_CASE("The embedded migrations are the repository's migrations/*.sql, byte for byte",
          "[persistence]") {
  std::map<std::string, std::string> on_disk;
  for (const auto& entry : fs::directory_iterator(CHAT_MIGRATIONS_SOURCE_DIR)) {
    if (entry.path().extension() != ".sql") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    on_disk[entry.path().filename().string()].assign(std::istreambuf_iterator<char>(in), {});
  }
  REQUIRE_FALSE(on_disk.empty());
  std::map<std::string, std::string> embedded;
  for (const auto& m : embedded_migrations()) embedded[m.name] = m.text;
  CHECK(embedded == on_disk);
}

TEST_CASE("Embedded and directory migrations record the same checksums", "[persistence]") {
  BACKEND(b);  // migrated from the embedded set by the fixture
  auto from_dir = migrate(b.db(), std::string(CHAT_MIGRATIONS_SOURCE_DIR));
  REQUIRE(from_dir.ok());
  CHECK(from_dir->applied.empty());
  CHECK(from_dir->already_applied >= 1);
}

TEST_CASE("Migration 0006 gives existing memberships their conversation's last activity",
          "[persistence]") {
  auto kind = GENERATE(as<std::string>{}, "sqlite", "mysql");
  test::test_backend b{kind, false};
  if (!b.available()) return;
  INFO("backend: " << kind);
  std::vector<migration_text> before_0006;
  for (const auto& m : embedded_migrations())
    if (m.name < "0006") before_0006.push_back(m);
  REQUIRE(migrate(b.db(), before_0006, "migrations before 0006").ok());
  // A database of the previous schema: group 1 (created at 100, last event at 500), group 2
  // (created at 200, last event at 300), group 3 (created at 400, no event yet).
  auto& sql = b.db().sql();
  sql << "INSERT INTO users (username, username_lower, created_at) VALUES ('old', 'old', 1)";
  sql << "INSERT INTO conversations (kind, title, created_at) VALUES ('group', 'a', 100), "
         "('group', 'b', 200), ('group', 'c', 400)";
  sql << "INSERT INTO memberships (conversation_id, user_id, joined_seq) VALUES (1, 1, 1), "
         "(2, 1, 1), (3, 1, 0)";
  sql << "INSERT INTO conversation_events (conversation_id, seq, event_id, type, sender_id, "
         "payload, created_at) VALUES (1, 1, 'e1', 'created', 1, '', 150), "
         "(1, 2, 'e2', 'message', 1, 'hi', 500), (2, 1, 'e3', 'created', 1, '', 300)";
  REQUIRE(migrate_embedded(b.db()).ok());
  auto list = conversation_store{b.db()}.summaries_of(1);
  REQUIRE(list.ok());
  REQUIRE(list->size() == 3);
  CHECK((*list)[0].c.id == 1);
  CHECK((*list)[0].last_activity_ms == 500);
  CHECK((*list)[1].c.id == 3);
  CHECK((*list)[1].last_activity_ms == 400);
  CHECK((*list)[2].c.id == 2);
  CHECK((*list)[2].last_activity_ms == 300);
}
