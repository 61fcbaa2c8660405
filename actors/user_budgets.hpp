#pragma once
// The database budget of each user, shared by all of the user's connections (docs/protocol.md,
// section 8): a user with ten connections gets one budget, not ten. Thread-safe (connection
// actors of one user run on any scheduler thread); the time is passed in, so tests need no clock.
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "util/token_bucket.hpp"

namespace chat::actors {

class user_budgets {
 public:
  /// Each user's budget holds `burst` units and refills `per_second` (> 0).
  user_budgets(double burst, double per_second) { configure(burst, per_second); }

  /// Sets the size and refill rate for buckets made from now on (server start, before use).
  void configure(double burst, double per_second);

  /// Takes `cost` units from `user`'s budget at `now_ms`; false (and nothing taken) when fewer
  /// are left.
  bool try_take(std::int64_t user, double cost, std::int64_t now_ms);

  /// Users whose budget is held (a full one is forgotten: it says nothing a fresh one does not).
  std::size_t size();

 private:
  void prune(std::int64_t now_ms);

  std::mutex mu_;
  double burst_ = 0, per_second_ = 0;
  std::int64_t prune_every_ms_ = 1000;  ///< how long an empty bucket takes to fill up
  std::int64_t next_prune_ms_ = 0;
  std::unordered_map<std::int64_t, util::token_bucket> buckets_;
};

}  // namespace chat::actors
