#include "auth/jwks_cache.hpp"

namespace chat::auth {

bool jwks_cache::refresh(std::int64_t now_ms) {
  // Without any keys yet, every attempt may fetch (the per-IP sign-in limit bounds that).
  if (keys_ && ever_fetched_ && now_ms - fetched_at_ms_ < min_refetch_ms_) return false;
  ever_fetched_ = true;
  fetched_at_ms_ = now_ms;
  ++fetches_;
  auto doc = fetch_();
  if (!doc) return false;
  auto ks = key_set::parse(*doc);
  if (!ks) return false;
  keys_ = std::move(ks);
  return true;
}

id_token_result jwks_cache::verify(std::string_view token, const id_token_expectations& want,
                                   std::int64_t now_ms) {
  std::lock_guard lock(mu_);
  if (!keys_) refresh(now_ms);
  id_token_result r;
  if (keys_)
    r = verify_id_token(token, *keys_, want);
  else
    r.error = token_error::unknown_kid;
  if (r.error == token_error::unknown_kid && refresh(now_ms)) {
    r = verify_id_token(token, *keys_, want);
  }
  return r;
}

}  // namespace chat::auth
