#include "persistence/sql_error.hpp"

#include <fmt/format.h>
#include <soci/mysql/soci-mysql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

namespace chat::persistence::detail {

namespace {

bool contains(std::string_view s, std::string_view part) {
  return s.find(part) != std::string_view::npos;
}

error from_mysql(const soci::mysql_soci_error& e, std::string_view what) {
  auto msg = first_line(e.what());
  switch (e.err_num_) {
    case 1062:  // ER_DUP_ENTRY: the message names the key
    case 1586:  // ER_DUP_ENTRY_WITH_KEY_NAME
      return {errc::duplicate, fmt::format("{}: {}", what, msg)};
    case 1205:  // lock wait timeout
    case 1213:  // deadlock: the transaction was rolled back, a retry may succeed
      return {errc::unavailable, fmt::format("{}: {} (retry)", what, msg)};
    case 2002:  // can't connect (socket)
    case 2003:  // can't connect (tcp)
    case 2005:  // unknown host
    case 2006:  // server has gone away
    case 2013:  // lost connection during query
    case 2055:  // lost connection (system error)
    case 1927:  // connection killed
    case 4031:  // disconnected by the server (wait_timeout)
      return {errc::unavailable, fmt::format("{}: mysql connection lost: {}", what, msg)};
    default:
      if (e.get_error_category() == soci::soci_error::connection_error)
        return {errc::unavailable, fmt::format("{}: mysql connection lost: {}", what, msg)};
      return {errc::internal, fmt::format("{}: mysql error {}: {}", what, e.err_num_, msg)};
  }
}

error from_sqlite(const soci::sqlite3_soci_error& e, std::string_view what) {
  auto msg = first_line(e.what());
  switch (e.result() & 0xff) {
    case 19:  // SQLITE_CONSTRAINT
      if (contains(msg, "UNIQUE") || contains(msg, "PRIMARY KEY"))
        return {errc::duplicate, fmt::format("{}: {}", what, msg)};
      return {errc::internal, fmt::format("{}: {}", what, msg)};
    case 5:  // SQLITE_BUSY: busy_timeout expired
    case 6:  // SQLITE_LOCKED
      return {errc::unavailable,
              fmt::format("{}: sqlite database is locked (retry): {}", what, msg)};
    case 10:  // SQLITE_IOERR
    case 13:  // SQLITE_FULL
    case 14:  // SQLITE_CANTOPEN
      return {errc::unavailable, fmt::format("{}: sqlite i/o failure: {}", what, msg)};
    default:
      return {errc::internal, fmt::format("{}: sqlite error {}: {}", what, e.result(), msg)};
  }
}

}  // namespace

std::string first_line(std::string_view msg) {
  // SOCI appends "while executing \"...\" with :1=..., :2=..." context: it may hold user data.
  if (auto pos = msg.find(" while executing"); pos != std::string_view::npos)
    msg = msg.substr(0, pos);
  if (auto pos = msg.find_first_of("\r\n"); pos != std::string_view::npos) msg = msg.substr(0, pos);
  while (!msg.empty() && (msg.back() == ' ' || msg.back() == '.')) msg.remove_suffix(1);
  return std::string(msg);
}

error current_error(database& db, std::string_view what) {
  (void)db;
  try {
    throw;
  } catch (const soci::mysql_soci_error& e) {
    return from_mysql(e, what);
  } catch (const soci::sqlite3_soci_error& e) {
    return from_sqlite(e, what);
  } catch (const soci::soci_error& e) {
    auto msg = first_line(e.what());
    if (e.get_error_category() == soci::soci_error::connection_error)
      return {errc::unavailable, fmt::format("{}: connection lost: {}", what, msg)};
    if (e.get_error_category() == soci::soci_error::constraint_violation)
      return {errc::duplicate, fmt::format("{}: {}", what, msg)};
    return {errc::internal, fmt::format("{}: {}", what, msg)};
  } catch (const std::exception& e) {
    return {errc::internal, fmt::format("{}: {}", what, first_line(e.what()))};
  } catch (...) {
    return {errc::internal, fmt::format("{}: unknown failure", what)};
  }
}

transaction::transaction(database& db) : db_(db) {
  db_.sql() << (db_.kind() == backend::sqlite ? "BEGIN IMMEDIATE" : "START TRANSACTION");
}

transaction::~transaction() {
  if (done_) return;
  try {
    db_.sql() << "ROLLBACK";
  } catch (...) {
    // The connection may be gone; the server rolls back an open transaction on disconnect.
  }
}

void transaction::commit() {
  db_.sql() << "COMMIT";
  done_ = true;
}

}  // namespace chat::persistence::detail
