#pragma once
#include <string>
#include <vector>

#include "persistence/database.hpp"

namespace chat::persistence {

struct migration_report {
  std::vector<std::string> applied;  ///< names applied by this run, in order
  int already_applied = 0;
};

/// One migration file: its name (NNNN_name.sql, or NNNN_name.sqlite.sql / NNNN_name.mysql.sql
/// where the dialects differ) and its bytes.
struct migration_text {
  std::string name;
  std::string text;
};

/// The repository's migrations/*.sql, compiled into the binary at build time (CMake generates
/// the source), so an installed chatd needs no source tree.
const std::vector<migration_text>& embedded_migrations();

/// Applies the pending migrations among `files` in order, each once, recording version and
/// checksum (SHA-256 of the text) in schema_migrations. Safe to run twice. Fails with
/// migration_mismatch (message names the file) when an applied migration's text changed. With
/// `dry_run`, applies nothing and fails with a clear message if anything is pending. `where`
/// names the set in messages.
result<migration_report> migrate(database& db, const std::vector<migration_text>& files,
                                 const std::string& where, bool dry_run = false);

/// The same, with the *.sql files of `dir` (--migrations-dir, tests).
result<migration_report> migrate(database& db, const std::string& dir, bool dry_run = false);

/// The same, with embedded_migrations().
result<migration_report> migrate_embedded(database& db, bool dry_run = false);

}  // namespace chat::persistence
