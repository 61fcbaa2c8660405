#include "persistence/migrations.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <soci/soci.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>

#include "persistence/message_search.hpp"
#include "persistence/sql_error.hpp"
#include "util/clock.hpp"

namespace chat::persistence {

namespace {

namespace fs = std::filesystem;

struct migration_file {
  int version = 0;
  std::string name;  ///< file name, e.g. 0001_initial.sqlite.sql
  std::string path;
  std::string text;
  std::string checksum;
};

std::string sha256_hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned i = 0; i < len; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// This backend's migrations in version order: NNNN_name.sql, or the .sqlite.sql / .mysql.sql
// variant (which wins over a generic file of the same version).
result<std::vector<migration_file>> select_files(const std::vector<migration_text>& files,
                                                 const std::string& where, backend kind) {
  std::string_view mine = kind == backend::sqlite ? ".sqlite.sql" : ".mysql.sql";
  std::string_view other = kind == backend::sqlite ? ".mysql.sql" : ".sqlite.sql";
  std::map<int, migration_file> by_version;
  for (const auto& file : files) {
    const std::string& name = file.name;
    if (!ends_with(name, ".sql") || ends_with(name, other)) continue;
    size_t digits = 0;
    while (digits < name.size() && std::isdigit(static_cast<unsigned char>(name[digits]))) ++digits;
    if (digits == 0 || digits >= name.size() || name[digits] != '_')
      return error{errc::bad_config,
                   fmt::format("migration file '{}' is not named NNNN_name.sql", name)};
    if (digits > 9)
      return error{errc::bad_config,
                   fmt::format("migration file '{}' has a version over 9 digits", name)};
    int version = std::stoi(name.substr(0, digits));
    bool specific = ends_with(name, mine);
    auto it = by_version.find(version);
    if (it != by_version.end()) {
      bool existing_specific = ends_with(it->second.name, mine);
      if (existing_specific == specific)
        return error{errc::bad_config, fmt::format("migrations '{}' and '{}' share version {}",
                                                   it->second.name, name, version)};
      if (existing_specific) continue;  // the dialect variant wins over a generic file
    }
    migration_file f;
    f.version = version;
    f.name = name;
    f.path = where + "/" + name;
    f.text = file.text;
    f.checksum = sha256_hex(f.text);
    by_version[version] = std::move(f);
  }
  std::vector<migration_file> out;
  for (auto& [v, f] : by_version) out.push_back(std::move(f));
  return out;
}

result<std::vector<migration_text>> read_dir(const std::string& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    return error{errc::bad_config, fmt::format("migrations directory '{}' does not exist", dir)};
  std::vector<migration_text> out;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (!entry.is_regular_file() || entry.path().extension() != ".sql") continue;
    std::ifstream in(entry.path(), std::ios::binary);
    if (!in)
      return error{errc::bad_config,
                   fmt::format("cannot read migration '{}'", entry.path().string())};
    std::ostringstream buf;
    buf << in.rdbuf();
    out.push_back({entry.path().filename().string(), buf.str()});
  }
  if (ec)
    return error{errc::bad_config,
                 fmt::format("cannot list migrations in '{}': {}", dir, ec.message())};
  return out;
}

// Splits a migration into statements at ';' ending a line; '--' comment lines are dropped.
// Our migrations hold no procedures or string literals with ";\n", so this is enough.
std::vector<std::string> split_statements(const std::string& text) {
  std::vector<std::string> out;
  std::string current;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line.compare(first, 2, "--") == 0) continue;
    current += line;
    current += '\n';
    auto last = line.find_last_not_of(" \t\r");
    if (line[last] == ';') {
      current.erase(current.find_last_of(';'));
      out.push_back(std::move(current));
      current.clear();
    }
  }
  if (current.find_first_not_of(" \t\r\n") != std::string::npos) out.push_back(current);
  return out;
}

void ensure_table(database& db) {
  if (db.kind() == backend::sqlite)
    db.sql() << "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
                "name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)";
  else
    db.sql() << "CREATE TABLE IF NOT EXISTS schema_migrations (version INT NOT NULL PRIMARY KEY, "
                "name VARCHAR(255) NOT NULL, checksum CHAR(64) NOT NULL, applied_at BIGINT NOT "
                "NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
}

struct applied_row {
  std::string name, checksum;
};

std::map<int, applied_row> load_applied(database& db) {
  std::map<int, applied_row> out;
  int version = 0;
  applied_row row;
  soci::statement st = (db.sql().prepare << "SELECT version, name, checksum FROM "
                                            "schema_migrations ORDER BY version",
                        soci::into(version), soci::into(row.name), soci::into(row.checksum));
  st.execute();
  while (st.fetch()) out[version] = row;
  return out;
}

// MySQL: a named lock per database, so two servers starting at once do not both apply the same
// migration (MySQL DDL cannot run inside a transaction).
class mysql_migration_lock {
 public:
  explicit mysql_migration_lock(database& db) : db_(db) {
    int got = 0;
    db_.sql() << "SELECT GET_LOCK(LEFT(CONCAT('chatd_migrate:', DATABASE()), 64), 25)",
        soci::into(got);
    if (got != 1) throw std::runtime_error("another process held the migration lock for 25 s");
  }
  ~mysql_migration_lock() {
    try {
      db_.sql() << "DO RELEASE_LOCK(LEFT(CONCAT('chatd_migrate:', DATABASE()), 64))";
    } catch (...) {
      // The lock dies with the connection anyway.
    }
  }
  mysql_migration_lock(const mysql_migration_lock&) = delete;
  mysql_migration_lock& operator=(const mysql_migration_lock&) = delete;

 private:
  database& db_;
};

}  // namespace

result<migration_report> migrate(database& db, const std::string& dir, bool dry_run) {
  auto files = read_dir(dir);
  if (!files) return files.err();
  return migrate(db, *files, dir, dry_run);
}

result<migration_report> migrate_embedded(database& db, bool dry_run) {
  return migrate(db, embedded_migrations(), "embedded", dry_run);
}

result<migration_report> migrate(database& db, const std::vector<migration_text>& texts,
                                 const std::string& where, bool dry_run) {
  auto files = select_files(texts, where, db.kind());
  if (!files) return files.err();
  const std::string& dir = where;
  migration_report report;
  std::string current = "schema_migrations";
  try {
    // SQLite: one IMMEDIATE transaction around the whole run makes it all-or-nothing and
    // serializes concurrent migrators. MySQL: a named lock (DDL commits implicitly there).
    std::optional<detail::transaction> tx;
    std::optional<mysql_migration_lock> lock;
    if (db.kind() == backend::sqlite)
      tx.emplace(db);
    else
      lock.emplace(db);
    ensure_table(db);
    auto applied = load_applied(db);
    std::vector<const migration_file*> pending;
    for (const auto& f : *files) {
      auto it = applied.find(f.version);
      if (it == applied.end()) {
        pending.push_back(&f);
        continue;
      }
      if (it->second.checksum != f.checksum)
        return error{errc::migration_mismatch,
                     fmt::format("migration {} was applied as '{}' but file '{}' has changed since "
                                 "(checksum {} != recorded {}); restore it and add a new migration "
                                 "instead",
                                 f.version, it->second.name, f.path, f.checksum.substr(0, 12),
                                 it->second.checksum.substr(0, 12))};
      ++report.already_applied;
    }
    for (const auto& [version, row] : applied) {
      bool known = std::any_of(files->begin(), files->end(),
                               [&](const migration_file& f) { return f.version == version; });
      if (!known)
        return error{errc::migration_mismatch,
                     fmt::format("migration {} ('{}') is applied in the database but missing from "
                                 "'{}': the database is newer than this build",
                                 version, row.name, dir)};
    }
    if (dry_run) {
      if (pending.empty()) return report;
      std::string names;
      for (auto* f : pending) names += (names.empty() ? "" : ", ") + f->name;
      return error{errc::internal,
                   fmt::format("{} pending migration(s) not applied because migrations are "
                               "disabled: {}",
                               pending.size(), names)};
    }
    for (auto* f : pending) {
      current = f->name;
      auto statements = split_statements(f->text);
      // On MySQL each DDL statement commits implicitly: the version row is written last, so a
      // migration that failed half-way is re-run after the fix (write them re-runnable).
      for (const auto& stmt : statements) db.sql() << stmt;
      // The search index is a projection of the log: fill it for the events already there.
      if (f->name.rfind("0004_message_search.", 0) == 0) {
        std::optional<detail::transaction> fill;
        if (!tx) fill.emplace(db);
        detail::rebuild_search_index(db);
        if (fill) fill->commit();
      }
      auto at = util::now_ms();
      db.sql() << "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (:v, "
                  ":n, :c, :a)",
          soci::use(f->version), soci::use(f->name), soci::use(f->checksum), soci::use(at);
      report.applied.push_back(f->name);
    }
    if (tx) tx->commit();
    return report;
  } catch (...) {
    auto err = detail::current_error(db, fmt::format("migration {}", current));
    if (err.code == errc::duplicate)
      return error{
          errc::unavailable,
          fmt::format("{} (another process is migrating the same database?)", err.message)};
    return err;
  }
}

}  // namespace chat::persistence
