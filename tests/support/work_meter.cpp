#include "tests/support/work_meter.hpp"

#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>  // declares SQLite inside namespace sqlite_api

#include <string>

namespace chat::test_support {

namespace {

sqlite_api::sqlite3* native(persistence::database& db) {
  return static_cast<soci::sqlite3_session_backend*>(db.sql().get_backend())->conn_;
}

int count_step(void* steps) {
  ++*static_cast<std::int64_t*>(steps);
  return 0;  // never interrupts
}

}  // namespace

work_meter::work_meter(persistence::database& db) : db_(db) {
  if (db_.kind() == persistence::backend::sqlite)
    sqlite_api::sqlite3_progress_handler(native(db_), 1, count_step, &steps_);
}

work_meter::~work_meter() {
  if (db_.kind() == persistence::backend::sqlite)
    sqlite_api::sqlite3_progress_handler(native(db_), 0, nullptr, nullptr);
}

std::int64_t work_meter::read() {
  if (db_.kind() == persistence::backend::sqlite) return steps_;
  std::int64_t total = 0;
  std::string name, value;
  soci::statement st = (db_.sql().prepare << "SHOW SESSION STATUS LIKE 'Handler_read%'",
                        soci::into(name), soci::into(value));
  st.execute();
  while (st.fetch()) total += std::stoll(value);
  return total;
}

}  // namespace chat::test_support
