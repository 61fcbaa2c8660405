#include "persistence/session_store.hpp"

#include <soci/soci.h>

#include "persistence/sql_error.hpp"

namespace chat::persistence {

status session_store::create(const session& s) {
  try {
    db_.sql() << "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen, "
                 "user_agent) VALUES (:t, :u, :c, :e, :l, :a)",
        soci::use(s.token_hash), soci::use(s.user), soci::use(s.created_at_ms),
        soci::use(s.expires_at_ms), soci::use(s.last_seen_ms), soci::use(s.user_agent);
    return success();
  } catch (...) {
    return detail::current_error(db_, "create session");
  }
}

result<std::optional<session>> session_store::find_valid(std::string_view token_hash,
                                                         std::int64_t now_ms) {
  try {
    std::string key(token_hash);
    session s;
    db_.sql() << "SELECT token_hash, user_id, created_at, expires_at, last_seen, user_agent FROM "
                 "sessions WHERE token_hash = :t AND expires_at > :n",
        soci::use(key), soci::use(now_ms), soci::into(s.token_hash), soci::into(s.user),
        soci::into(s.created_at_ms), soci::into(s.expires_at_ms), soci::into(s.last_seen_ms),
        soci::into(s.user_agent);
    if (!db_.sql().got_data()) return std::optional<session>{};
    return std::optional<session>{std::move(s)};
  } catch (...) {
    return detail::current_error(db_, "find session");
  }
}

status session_store::touch(std::string_view token_hash, std::int64_t now_ms,
                            std::int64_t new_expiry_ms) {
  try {
    std::string key(token_hash);
    db_.sql() << "UPDATE sessions SET last_seen = :l, expires_at = :e WHERE token_hash = :t",
        soci::use(now_ms), soci::use(new_expiry_ms), soci::use(key);
    return success();
  } catch (...) {
    return detail::current_error(db_, "touch session");
  }
}

status session_store::revoke(std::string_view token_hash) {
  try {
    std::string key(token_hash);
    db_.sql() << "DELETE FROM sessions WHERE token_hash = :t", soci::use(key);
    return success();
  } catch (...) {
    return detail::current_error(db_, "revoke session");
  }
}

result<std::vector<session>> session_store::list_for_user(user_id u) {
  try {
    std::vector<session> out;
    session s;
    soci::statement st =
        (db_.sql().prepare << "SELECT token_hash, user_id, created_at, expires_at, last_seen, "
                              "user_agent FROM sessions WHERE user_id = :u ORDER BY created_at, "
                              "token_hash",
         soci::use(u), soci::into(s.token_hash), soci::into(s.user), soci::into(s.created_at_ms),
         soci::into(s.expires_at_ms), soci::into(s.last_seen_ms), soci::into(s.user_agent));
    st.execute();
    while (st.fetch()) out.push_back(s);
    return out;
  } catch (...) {
    return detail::current_error(db_, "list sessions");
  }
}

status session_store::revoke_all(user_id u) {
  try {
    db_.sql() << "DELETE FROM sessions WHERE user_id = :u", soci::use(u);
    return success();
  } catch (...) {
    return detail::current_error(db_, "revoke sessions");
  }
}

}  // namespace chat::persistence
