#pragma once
// How much a connection's statements read, for tests that state that a use case's work does not
// grow with the data (beside statement_counter.hpp, which counts the statements).
#include <cstdint>

#include "persistence/database.hpp"

namespace chat::test_support {

/// A monotonic count of the work done on one connection: on MariaDB the session's Handler_read_*
/// counters (every index entry and table row read), on SQLite the virtual machine's steps
/// (a progress handler called at each one; a row read is a few steps). Compare two readings'
/// differences, never the numbers across backends.
class work_meter {
 public:
  explicit work_meter(persistence::database& db);
  ~work_meter();  ///< removes the SQLite progress handler
  work_meter(const work_meter&) = delete;
  work_meter& operator=(const work_meter&) = delete;

  /// The count so far (on MariaDB one SHOW STATUS statement, which a statement_counter sees).
  std::int64_t read();

 private:
  persistence::database& db_;
  std::int64_t steps_ = 0;
};

}  // namespace chat::test_support
