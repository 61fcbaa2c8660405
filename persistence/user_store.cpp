#include "persistence/user_store.hpp"

#include <fmt/format.h>
#include <soci/soci.h>

#include <cctype>
#include <chrono>

#include "persistence/sql_error.hpp"

namespace chat::persistence {

namespace {

// ASCII lower-casing: auth/ restricts usernames to ASCII, so this is the whole fold.
std::string fold(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

// Escapes LIKE wildcards so a prefix is matched literally.
std::string like_prefix(std::string_view folded) {
  std::string out;
  for (char ch : folded) {
    if (ch == '%' || ch == '_' || ch == '!') out.push_back('!');
    out.push_back(ch);
  }
  out.push_back('%');
  return out;
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace

result<user> user_store::create(std::string_view username) {
  try {
    user u;
    u.username = std::string(username);
    u.created_at_ms = now_ms();
    std::string folded = fold(username);
    detail::transaction tx(db_);
    db_.sql() << "INSERT INTO users (username, username_lower, created_at) VALUES (:n, :l, :a)",
        soci::use(u.username), soci::use(folded), soci::use(u.created_at_ms);
    // Read the id back inside the same transaction, by the unique key (portable across backends).
    db_.sql() << "SELECT id FROM users WHERE username_lower = :l", soci::use(folded),
        soci::into(u.id);
    tx.commit();
    return u;
  } catch (...) {
    auto err = detail::current_error(db_, "create user");
    if (err.code == errc::duplicate)
      return error{errc::duplicate, fmt::format("username '{}' is taken", username)};
    return err;
  }
}

result<std::optional<user>> user_store::find_by_id(user_id id) {
  try {
    user u;
    db_.sql() << "SELECT id, username, created_at, disabled_at FROM users WHERE id = :i",
        soci::use(id), soci::into(u.id), soci::into(u.username), soci::into(u.created_at_ms),
        soci::into(u.disabled_at_ms);
    if (!db_.sql().got_data()) return std::optional<user>{};
    return std::optional<user>{std::move(u)};
  } catch (...) {
    return detail::current_error(db_, "find user");
  }
}

result<std::optional<user>> user_store::find_by_username(std::string_view username) {
  try {
    user u;
    std::string folded = fold(username);
    db_.sql()
        << "SELECT id, username, created_at, disabled_at FROM users WHERE username_lower = :l",
        soci::use(folded), soci::into(u.id), soci::into(u.username), soci::into(u.created_at_ms),
        soci::into(u.disabled_at_ms);
    if (!db_.sql().got_data()) return std::optional<user>{};
    return std::optional<user>{std::move(u)};
  } catch (...) {
    return detail::current_error(db_, "find user");
  }
}

result<std::vector<user>> user_store::search(std::string_view prefix, int limit) {
  std::vector<user> out;
  if (limit <= 0) return out;
  try {
    std::string pattern = like_prefix(fold(prefix));
    user u;
    soci::statement st =
        (db_.sql().prepare << "SELECT id, username, created_at, disabled_at FROM users WHERE "
                              "username_lower LIKE :p ESCAPE '!' ORDER BY username_lower LIMIT :n",
         soci::use(pattern), soci::use(limit), soci::into(u.id), soci::into(u.username),
         soci::into(u.created_at_ms), soci::into(u.disabled_at_ms));
    st.execute();
    while (st.fetch()) out.push_back(u);
    return out;
  } catch (...) {
    return detail::current_error(db_, "search users");
  }
}

status user_store::set_disabled(user_id id, std::int64_t at_ms) {
  try {
    soci::statement st = (db_.sql().prepare << "UPDATE users SET disabled_at = :d WHERE id = :i",
                          soci::use(at_ms), soci::use(id));
    st.execute(true);
    // MySQL counts changed rows only: an unchanged flag on an existing user is still success.
    if (st.get_affected_rows() == 0) {
      user_id found = 0;
      db_.sql() << "SELECT id FROM users WHERE id = :i", soci::use(id), soci::into(found);
      if (!db_.sql().got_data()) return error{errc::not_found, fmt::format("no user {}", id)};
    }
    return success();
  } catch (...) {
    return detail::current_error(db_, "set disabled");
  }
}

status user_store::set_password_hash(user_id id, std::string_view argon2id_hash) {
  try {
    std::string hash(argon2id_hash);
    auto now = now_ms();
    if (db_.kind() == backend::sqlite)
      db_.sql() << "INSERT INTO password_credentials (user_id, hash, updated_at) VALUES (:u, :h, "
                   ":a) ON CONFLICT (user_id) DO UPDATE SET hash = excluded.hash, updated_at = "
                   "excluded.updated_at",
          soci::use(id), soci::use(hash), soci::use(now);
    else
      db_.sql() << "INSERT INTO password_credentials (user_id, hash, updated_at) VALUES (:u, :h, "
                   ":a) ON DUPLICATE KEY UPDATE hash = VALUES(hash), updated_at = "
                   "VALUES(updated_at)",
          soci::use(id), soci::use(hash), soci::use(now);
    return success();
  } catch (...) {
    auto err = detail::current_error(db_, "set password");
    // A foreign-key failure means the user does not exist.
    if (err.code == errc::internal && (err.message.find("FOREIGN KEY") != std::string::npos ||
                                       err.message.find("foreign key") != std::string::npos))
      return error{errc::not_found, fmt::format("set password: no user {}", id)};
    return err;
  }
}

result<std::optional<std::string>> user_store::password_hash(user_id id) {
  try {
    std::string hash;
    db_.sql() << "SELECT hash FROM password_credentials WHERE user_id = :u", soci::use(id),
        soci::into(hash);
    if (!db_.sql().got_data()) return std::optional<std::string>{};
    return std::optional<std::string>{std::move(hash)};
  } catch (...) {
    return detail::current_error(db_, "password hash");
  }
}

status user_store::link_identity(std::string_view provider, std::string_view subject, user_id id) {
  try {
    std::string p(provider), s(subject);
    db_.sql() << "INSERT INTO identities (provider, subject, user_id) VALUES (:p, :s, :u)",
        soci::use(p), soci::use(s), soci::use(id);
    return success();
  } catch (...) {
    auto err = detail::current_error(db_, "link identity");
    if (err.code == errc::duplicate)
      return error{errc::duplicate,
                   fmt::format("identity of provider '{}' is already linked to a user", provider)};
    if (err.code == errc::internal && (err.message.find("FOREIGN KEY") != std::string::npos ||
                                       err.message.find("foreign key") != std::string::npos))
      return error{errc::not_found, fmt::format("link identity: no user {}", id)};
    return err;
  }
}

result<std::optional<user_id>> user_store::find_identity(std::string_view provider,
                                                         std::string_view subject) {
  try {
    std::string p(provider), s(subject);
    user_id id = 0;
    db_.sql() << "SELECT user_id FROM identities WHERE provider = :p AND subject = :s",
        soci::use(p), soci::use(s), soci::into(id);
    if (!db_.sql().got_data()) return std::optional<user_id>{};
    return std::optional<user_id>{id};
  } catch (...) {
    return detail::current_error(db_, "find identity");
  }
}

}  // namespace chat::persistence
