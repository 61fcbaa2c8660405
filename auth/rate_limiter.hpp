#pragma once
// Token buckets keyed by string (an IP, a username), thread-safe, with bounded memory.
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "util/token_bucket.hpp"

namespace chat::auth {

class rate_limiter {
 public:
  rate_limiter(double burst, double per_minute, std::size_t max_keys = 100000)
      : burst_(burst), per_second_(per_minute / 60.0), max_keys_(max_keys) {}

  /// Takes one token for `key` at time `now_ms`; false (and nothing taken) when the bucket is
  /// empty.
  bool allow(std::string_view key, std::int64_t now_ms);
  /// Milliseconds until one token is back for `key` (0 if available now).
  std::int64_t retry_after_ms(std::string_view key, std::int64_t now_ms);

 private:
  void prune(std::int64_t now_ms);

  double burst_;
  double per_second_;
  std::size_t max_keys_;
  std::mutex mu_;
  std::unordered_map<std::string, util::token_bucket> buckets_;
};

}  // namespace chat::auth
