#pragma once
#include <optional>
#include <string_view>
#include <vector>

#include "persistence/database.hpp"
#include "persistence/types.hpp"

namespace chat::persistence {

/// Sessions keyed by the hash of their token; revoked sessions are deleted.
class session_store {
 public:
  explicit session_store(database& db) : db_(db) {}

  status create(const session& s);
  /// The session if it exists and expires_at_ms > now_ms.
  result<std::optional<session>> find_valid(std::string_view token_hash, std::int64_t now_ms);
  /// Sliding renewal: sets last_seen and a new expiry.
  status touch(std::string_view token_hash, std::int64_t now_ms, std::int64_t new_expiry_ms);
  status revoke(std::string_view token_hash);
  result<std::vector<session>> list_for_user(user_id u);
  status revoke_all(user_id u);

 private:
  database& db_;
};

}  // namespace chat::persistence
