#pragma once
// One database connection (SOCI session). Not thread-safe: each thread or blocking actor owns its
// own.
#include <memory>
#include <string>
#include <string_view>

#include "persistence/result.hpp"

namespace soci {
class session;
}

namespace chat::persistence {

enum class backend { sqlite, mysql };

/// Parsed connection string: "sqlite:<path>" (or a bare path ending in .db), or
/// "mysql://user:pass@host:port/dbname".
struct db_config {
  backend kind = backend::sqlite;
  std::string sqlite_path;
  std::string host, user, password, dbname;
  int port = 3306;
  /// Parses; on failure the error names the part that is wrong (never echoes the password).
  static result<db_config> parse(std::string_view url);
  std::string describe() const;  ///< for logs: no password
};

class database {
 public:
  /// Connects (with a short connect timeout); errors are bad_config or unavailable, one line.
  static result<std::unique_ptr<database>> open(const db_config& cfg);
  static result<std::unique_ptr<database>> open(std::string_view url);
  ~database();
  /// Replaces the connection with a fresh one (same config) after errc::unavailable. The caller
  /// decides whether a write in flight when the connection dropped must be re-checked (it may
  /// have committed).
  status reconnect();
  backend kind() const noexcept { return cfg_.kind; }
  const db_config& config() const noexcept { return cfg_; }
  soci::session& sql() { return *sql_; }  ///< for persistence/ internals only

 private:
  explicit database(db_config cfg);
  db_config cfg_;
  std::unique_ptr<soci::session> sql_;
};

}  // namespace chat::persistence
