#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "persistence/database.hpp"
#include "persistence/types.hpp"

namespace chat::persistence {

/// Users, password credentials and external identities. Username rules are checked by the
/// caller (auth/); this store enforces case-insensitive uniqueness (errc::duplicate).
class user_store {
 public:
  explicit user_store(database& db) : db_(db) {}

  result<user> create(std::string_view username);
  result<std::optional<user>> find_by_id(user_id id);
  result<std::optional<user>> find_by_username(std::string_view username);  ///< case-insensitive
  /// Usernames starting with prefix (case-insensitive), sorted, at most limit.
  result<std::vector<user>> search(std::string_view prefix, int limit);

  /// Disables (at_ms > 0) or enables (0) the account; errc::not_found for an unknown id.
  status set_disabled(user_id id, std::int64_t at_ms);

  status set_password_hash(user_id id, std::string_view argon2id_hash);
  result<std::optional<std::string>> password_hash(user_id id);

  /// (provider/issuer, subject) -> user. errc::duplicate when already linked.
  status link_identity(std::string_view provider, std::string_view subject, user_id id);
  result<std::optional<user_id>> find_identity(std::string_view provider, std::string_view subject);

 private:
  database& db_;
};

}  // namespace chat::persistence
