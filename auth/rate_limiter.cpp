#include "auth/rate_limiter.hpp"

namespace chat::auth {

void rate_limiter::prune(std::int64_t now_ms) {
  // Full buckets carry no information: dropping them bounds memory under a spray of keys.
  for (auto it = buckets_.begin(); it != buckets_.end();)
    it = it->second.full(now_ms) ? buckets_.erase(it) : std::next(it);
  // Still too many (an active flood): forget everything rather than grow without bound.
  if (buckets_.size() >= max_keys_) buckets_.clear();
}

bool rate_limiter::allow(std::string_view key, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) prune(now_ms);
    it = buckets_.emplace(std::string(key), util::token_bucket(burst_, per_second_, now_ms)).first;
  }
  return it->second.try_take(now_ms);
}

std::int64_t rate_limiter::retry_after_ms(std::string_view key, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) return 0;
  auto ms = it->second.ms_until_token(now_ms);
  return ms == INT64_MAX ? 0 : ms;
}

}  // namespace chat::auth
