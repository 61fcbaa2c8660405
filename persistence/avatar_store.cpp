#include "persistence/avatar_store.hpp"

#include <fmt/format.h>
#include <soci/soci.h>

#include "persistence/sql_error.hpp"

namespace chat::persistence {

namespace {

constexpr std::string_view profile_columns = "us.id, us.username, us.avatar_color, us.avatar";

std::vector<profile> fetch_profiles(soci::statement& st, profile& row) {
  std::vector<profile> out;
  st.execute();
  while (st.fetch()) out.push_back(row);
  return out;
}

}  // namespace

status avatar_store::create(const avatar_image& a) {
  try {
    db_.sql() << "INSERT INTO avatar_images (id, sha256, content_type, uploader_id, created_at) "
                 "VALUES (:i, :h, :c, :u, :a)",
        soci::use(a.id), soci::use(a.sha256), soci::use(a.content_type), soci::use(a.uploader),
        soci::use(a.created_at_ms);
    return success();
  } catch (...) {
    return detail::current_error(db_, "create avatar image");
  }
}

result<std::optional<avatar_image>> avatar_store::find(std::string_view id) {
  try {
    std::string key(id);
    avatar_image a;
    db_.sql() << "SELECT id, sha256, content_type, uploader_id, created_at FROM avatar_images "
                 "WHERE id = :i",
        soci::use(key), soci::into(a.id), soci::into(a.sha256), soci::into(a.content_type),
        soci::into(a.uploader), soci::into(a.created_at_ms);
    if (!db_.sql().got_data()) return std::optional<avatar_image>{};
    return std::optional<avatar_image>{std::move(a)};
  } catch (...) {
    return detail::current_error(db_, "find avatar image");
  }
}

result<bool> avatar_store::owns(user_id u, std::string_view id) {
  try {
    std::string key(id);
    int n = 0;
    db_.sql() << "SELECT COUNT(*) FROM avatar_images WHERE id = :i AND uploader_id = :u",
        soci::use(key), soci::use(u), soci::into(n);
    return n > 0;
  } catch (...) {
    return detail::current_error(db_, "owns avatar image");
  }
}

result<bool> avatar_store::may_fetch(user_id u, std::string_view id) {
  try {
    std::string key(id);
    int n = 0;
    // One statement: the uploader, a user showing it (themselves or a contact), a group showing
    // it that `u` is a member of.
    db_.sql() << "SELECT COUNT(*) FROM avatar_images a WHERE a.id = :i AND (a.uploader_id = :u "
                 "OR EXISTS (SELECT 1 FROM users us WHERE us.avatar = a.id AND (us.id = :u2 OR "
                 "EXISTS (SELECT 1 FROM memberships mine JOIN memberships theirs ON "
                 "theirs.conversation_id = mine.conversation_id WHERE mine.user_id = :u3 AND "
                 "theirs.user_id = us.id))) "
                 "OR EXISTS (SELECT 1 FROM conversations c JOIN memberships m ON "
                 "m.conversation_id = c.id WHERE c.avatar = a.id AND m.user_id = :u4))",
        soci::use(key), soci::use(u), soci::use(u), soci::use(u), soci::use(u), soci::into(n);
    return n > 0;
  } catch (...) {
    return detail::current_error(db_, "may_fetch avatar image");
  }
}

result<std::optional<profile>> avatar_store::profile_of(user_id u) {
  try {
    profile p;
    db_.sql() << fmt::format("SELECT {} FROM users us WHERE us.id = :u", profile_columns),
        soci::use(u), soci::into(p.id), soci::into(p.username), soci::into(p.avatar_color),
        soci::into(p.avatar);
    if (!db_.sql().got_data()) return std::optional<profile>{};
    return std::optional<profile>{std::move(p)};
  } catch (...) {
    return detail::current_error(db_, "profile_of");
  }
}

result<std::optional<profile>> avatar_store::set_profile(user_id u,
                                                         const std::optional<std::string>& color,
                                                         const std::optional<std::string>& avatar) {
  try {
    soci::transaction tx(db_.sql());
    if (color)
      db_.sql() << "UPDATE users SET avatar_color = :c WHERE id = :u", soci::use(*color),
          soci::use(u);
    if (avatar)
      db_.sql() << "UPDATE users SET avatar = :a WHERE id = :u", soci::use(*avatar), soci::use(u);
    tx.commit();
  } catch (...) {
    return detail::current_error(db_, "set_profile");
  }
  return profile_of(u);
}

result<std::vector<profile>> avatar_store::contacts_of(user_id u, int limit) {
  try {
    profile row;
    soci::statement st =
        (db_.sql().prepare << fmt::format(
             "SELECT {} FROM users us WHERE us.id = :u OR us.id IN (SELECT m.user_id FROM "
             "memberships mine JOIN memberships m ON m.conversation_id = mine.conversation_id "
             "WHERE mine.user_id = :v) ORDER BY us.id LIMIT {}",
             profile_columns, limit),
         soci::use(u), soci::use(u), soci::into(row.id), soci::into(row.username),
         soci::into(row.avatar_color), soci::into(row.avatar));
    return fetch_profiles(st, row);
  } catch (...) {
    return detail::current_error(db_, "contacts_of profiles");
  }
}

result<std::vector<profile>> avatar_store::members_of(conversation_id c) {
  try {
    profile row;
    soci::statement st =
        (db_.sql().prepare << fmt::format(
             "SELECT {} FROM users us JOIN memberships m ON m.user_id = us.id WHERE "
             "m.conversation_id = :c ORDER BY us.id",
             profile_columns),
         soci::use(c), soci::into(row.id), soci::into(row.username), soci::into(row.avatar_color),
         soci::into(row.avatar));
    return fetch_profiles(st, row);
  } catch (...) {
    return detail::current_error(db_, "members_of profiles");
  }
}

}  // namespace chat::persistence
