#pragma once
#include <string>
#include <vector>

#include "persistence/database.hpp"

namespace chat::persistence {

struct migration_report {
  std::vector<std::string> applied;  ///< names applied by this run, in order
  int already_applied = 0;
};

/// Applies pending migrations from `dir` (files NNNN_name.sql, or NNNN_name.sqlite.sql /
/// NNNN_name.mysql.sql where the dialects differ) in order, each once, recording version and
/// checksum in schema_migrations. Safe to run twice. Fails with migration_mismatch (message names
/// the file) when an applied migration's file changed. With `dry_run`, applies nothing and fails
/// with a clear message if anything is pending.
result<migration_report> migrate(database& db, const std::string& dir, bool dry_run = false);

/// Where migrations live: $CHAT_MIGRATIONS_DIR, else the source tree's migrations/ (compiled in).
std::string default_migrations_dir();

}  // namespace chat::persistence
