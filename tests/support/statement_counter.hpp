#pragma once
// Counts the statements a SOCI session runs, for tests that state a use case's query count.
#include <soci/soci.h>

#include <string>

namespace chat::test_support {

/// Install with `session.set_logger(soci::logger(new statement_counter(&n)))`: the logger sees
/// each statement before it executes and adds one to `n`.
struct statement_counter final : soci::logger_impl {
  explicit statement_counter(int* n) : count(n) {}
  void start_query(std::string const&) override { ++*count; }
  logger_impl* do_clone() const override { return new statement_counter(count); }
  int* count;
};

}  // namespace chat::test_support
