#pragma once
// A provider's signing keys, cached by kid. A token with a kid we do not know triggers one refetch
// (providers rotate keys), at most once per `min_refetch_ms`, so forged kids cannot make us hammer
// the provider.
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "auth/jwt.hpp"

namespace chat::auth {

class jwks_cache {
 public:
  /// `fetch` returns the JWKS document, or nothing (and logs) on failure.
  jwks_cache(std::function<std::optional<std::string>()> fetch, std::int64_t min_refetch_ms)
      : fetch_(std::move(fetch)), min_refetch_ms_(min_refetch_ms) {}

  /// Verifies with the cached keys, refetching once when the kid is unknown (rate limited).
  id_token_result verify(std::string_view token, const id_token_expectations& want,
                         std::int64_t now_ms);
  int fetches() const { return fetches_; }

 private:
  bool refresh(std::int64_t now_ms);  // with mu_ held

  std::function<std::optional<std::string>()> fetch_;
  std::int64_t min_refetch_ms_;
  std::mutex mu_;
  std::optional<key_set> keys_;
  std::int64_t fetched_at_ms_ = 0;
  bool ever_fetched_ = false;
  int fetches_ = 0;
};

}  // namespace chat::auth
