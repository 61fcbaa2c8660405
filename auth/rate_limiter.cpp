#include "auth/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace chat::auth {

void rate_limiter::refill(bucket& b, std::int64_t now_ms) const {
  if (now_ms > b.at_ms) {
    b.tokens = std::min(burst_, b.tokens + double(now_ms - b.at_ms) * per_ms_);
    b.at_ms = now_ms;
  }
}

void rate_limiter::prune(std::int64_t now_ms) {
  // Full buckets carry no information: dropping them bounds memory under a spray of keys.
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    refill(it->second, now_ms);
    it = it->second.tokens >= burst_ ? buckets_.erase(it) : std::next(it);
  }
  // Still too many (an active flood): forget everything rather than grow without bound.
  if (buckets_.size() >= max_keys_) buckets_.clear();
}

bool rate_limiter::allow(std::string_view key, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) prune(now_ms);
    it = buckets_.emplace(std::string(key), bucket{burst_, now_ms}).first;
  }
  refill(it->second, now_ms);
  if (it->second.tokens < 1.0) return false;
  it->second.tokens -= 1.0;
  return true;
}

std::int64_t rate_limiter::retry_after_ms(std::string_view key, std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) return 0;
  refill(it->second, now_ms);
  if (it->second.tokens >= 1.0 || per_ms_ <= 0) return 0;
  return std::int64_t(std::ceil((1.0 - it->second.tokens) / per_ms_));
}

}  // namespace chat::auth
