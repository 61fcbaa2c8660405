#pragma once
// Internal to persistence/: turns SOCI exceptions into errc values, and a transaction guard that
// never throws out of its destructor. Not part of the contract.
#include <exception>
#include <string>
#include <string_view>

#include "persistence/database.hpp"
#include "persistence/result.hpp"

namespace chat::persistence::detail {

/// Classifies the exception currently being handled (call from inside a catch block).
/// `what` names the operation for the message, e.g. "append". Unique-key violations come out as
/// errc::duplicate whose message keeps the driver's first line (MySQL names the key, SQLite the
/// columns), so a store can refine it; lock timeouts and deadlocks as errc::unavailable.
error current_error(database& db, std::string_view what);

/// The first line of a driver message, without SOCI's "while executing" tail (which may hold
/// bound values).
std::string first_line(std::string_view msg);

/// BEGIN (IMMEDIATE on SQLite, so writers queue on busy_timeout instead of failing to upgrade a
/// read lock) ... COMMIT; rolls back in the destructor unless committed.
class transaction {
 public:
  explicit transaction(database& db);
  ~transaction();
  void commit();
  transaction(const transaction&) = delete;
  transaction& operator=(const transaction&) = delete;

 private:
  database& db_;
  bool done_ = false;
};

/// Runs `fn` (which may throw SOCI exceptions) and converts failures to an error value.
template <class T, class Fn>
result<T> guarded(database& db, std::string_view what, Fn&& fn) {
  try {
    return fn();
  } catch (...) {
    return current_error(db, what);
  }
}

}  // namespace chat::persistence::detail
