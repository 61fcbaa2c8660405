#pragma once
// The one token bucket (rate limits per connection, per IP, per username). Not thread-safe: the
// owner serialises access (an actor's state, a mutex-guarded map). Time is passed in (unix or
// steady milliseconds, as long as one bucket always gets the same kind), so tests need no clock.
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace chat::util {

class token_bucket {
 public:
  /// Full at `now_ms` with `burst` tokens, refilled at `per_second`.
  token_bucket(double burst, double per_second, std::int64_t now_ms)
      : burst_(burst), per_ms_(per_second / 1000.0), tokens_(burst), at_ms_(now_ms) {}

  /// Takes `cost` tokens (one by default); false (and nothing taken) when fewer are left.
  bool try_take(std::int64_t now_ms, double cost = 1.0) {
    refill(now_ms);
    if (tokens_ < cost) return false;
    tokens_ -= cost;
    return true;
  }

  /// Milliseconds until one token is there (0 when one is there now).
  std::int64_t ms_until_token(std::int64_t now_ms) {
    refill(now_ms);
    if (tokens_ >= 1.0) return 0;
    if (per_ms_ <= 0) return INT64_MAX;
    return static_cast<std::int64_t>(std::ceil((1.0 - tokens_) / per_ms_));
  }

  /// True when the bucket is full at `now_ms` (a keyed map may forget it).
  bool full(std::int64_t now_ms) {
    refill(now_ms);
    return tokens_ >= burst_;
  }

 private:
  void refill(std::int64_t now_ms) {
    if (now_ms <= at_ms_) return;  // a clock going backwards never takes tokens away
    tokens_ = std::min(burst_, tokens_ + static_cast<double>(now_ms - at_ms_) * per_ms_);
    at_ms_ = now_ms;
  }

  double burst_;
  double per_ms_;
  double tokens_;
  std::int64_t at_ms_;
};

}  // namespace chat::util
