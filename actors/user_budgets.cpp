#include "actors/user_budgets.hpp"

#include <algorithm>
#include <cmath>

namespace chat::actors {

void user_budgets::configure(double burst, double per_second) {
  std::lock_guard lock(mu_);
  burst_ = burst;
  per_second_ = per_second;
  // A bucket left alone this long is full again; sweeping at that pace forgets a user who went
  // away within two such periods, and costs one pass over the recent spenders per period.
  const double fill_ms = per_second > 0 ? 1000.0 * burst / per_second : 60'000.0;
  prune_every_ms_ = static_cast<std::int64_t>(std::clamp(std::ceil(fill_ms), 1000.0, 60'000.0));
  buckets_.clear();
}

bool user_budgets::try_take(std::int64_t user, double cost, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  if (now_ms >= next_prune_ms_) prune(now_ms);
  auto it = buckets_.find(user);
  if (it == buckets_.end())
    it = buckets_.emplace(user, util::token_bucket(burst_, per_second_, now_ms)).first;
  return it->second.try_take(now_ms, cost);
}

std::size_t user_budgets::size() {
  std::lock_guard lock(mu_);
  return buckets_.size();
}

void user_budgets::prune(std::int64_t now_ms) {
  // Full buckets carry no information: a user who stopped asking (or disconnected) is dropped.
  for (auto it = buckets_.begin(); it != buckets_.end();)
    it = it->second.full(now_ms) ? buckets_.erase(it) : std::next(it);
  next_prune_ms_ = now_ms + prune_every_ms_;
}

}  // namespace chat::actors
