#include "persistence/attachment_store.hpp"

#include <soci/soci.h>

#include "persistence/sql_error.hpp"

namespace chat::persistence {

status attachment_store::create(const attachment& a) {
  try {
    db_.sql() << "INSERT INTO attachments (id, sha256, thumb_sha256, thumb_type, uploader_id, "
                 "file_name, content_type, size, width, height, created_at) VALUES (:i, :h, :t, "
                 ":tt, :u, :n, :c, :s, :w, :hh, :a)",
        soci::use(a.id), soci::use(a.sha256), soci::use(a.thumb_sha256), soci::use(a.thumb_type),
        soci::use(a.uploader), soci::use(a.file_name), soci::use(a.content_type), soci::use(a.size),
        soci::use(a.width), soci::use(a.height), soci::use(a.created_at_ms);
    return success();
  } catch (...) {
    return detail::current_error(db_, "create attachment");
  }
}

result<std::optional<attachment>> attachment_store::find(std::string_view id) {
  try {
    std::string key(id);
    attachment a;
    db_.sql() << "SELECT id, sha256, thumb_sha256, thumb_type, uploader_id, file_name, "
                 "content_type, size, width, height, created_at FROM attachments WHERE id = :i",
        soci::use(key), soci::into(a.id), soci::into(a.sha256), soci::into(a.thumb_sha256),
        soci::into(a.thumb_type), soci::into(a.uploader), soci::into(a.file_name),
        soci::into(a.content_type), soci::into(a.size), soci::into(a.width), soci::into(a.height),
        soci::into(a.created_at_ms);
    if (!db_.sql().got_data()) return std::optional<attachment>{};
    return std::optional<attachment>{std::move(a)};
  } catch (...) {
    return detail::current_error(db_, "find attachment");
  }
}

result<bool> attachment_store::may_fetch(user_id u, std::string_view id) {
  try {
    std::string key(id);
    int n = 0;
    db_.sql() << "SELECT COUNT(*) FROM attachments a WHERE a.id = :i AND (a.uploader_id = :u OR "
                 "EXISTS (SELECT 1 FROM message_attachments ma JOIN memberships m ON "
                 "m.conversation_id = ma.conversation_id AND m.user_id = :u2 WHERE "
                 "ma.attachment_id = a.id))",
        soci::use(key), soci::use(u), soci::use(u), soci::into(n);
    return n > 0;
  } catch (...) {
    return detail::current_error(db_, "may_fetch attachment");
  }
}

result<std::vector<attachment>> attachment_store::usable_by(user_id u,
                                                            std::span<const std::string> ids) {
  std::vector<attachment> out;
  for (const auto& id : ids) {
    auto allowed = may_fetch(u, id);
    if (!allowed) return allowed.err();
    if (!*allowed) continue;
    auto a = find(id);
    if (!a) return a.err();
    if (*a) out.push_back(std::move(**a));
  }
  return out;
}

result<std::vector<attachment>> attachment_store::unreferenced(std::int64_t created_before_ms,
                                                               int limit) {
  try {
    std::vector<std::string> ids;
    soci::rowset<soci::row> rows =
        (db_.sql().prepare << "SELECT a.id FROM attachments a WHERE a.created_at < :t AND NOT "
                              "EXISTS (SELECT 1 FROM message_attachments ma WHERE "
                              "ma.attachment_id = a.id) ORDER BY a.created_at LIMIT :n",
         soci::use(created_before_ms), soci::use(limit));
    for (const auto& r : rows) ids.push_back(r.get<std::string>(0));
    std::vector<attachment> out;
    for (const auto& id : ids) {
      auto a = find(id);
      if (!a) return a.err();
      if (*a) out.push_back(std::move(**a));
    }
    return out;
  } catch (...) {
    return detail::current_error(db_, "unreferenced attachments");
  }
}

result<bool> attachment_store::remove_unreferenced(std::string_view id) {
  try {
    std::string key(id);
    soci::statement st = (db_.sql().prepare << "DELETE FROM attachments WHERE id = :i AND NOT "
                                               "EXISTS (SELECT 1 FROM message_attachments ma "
                                               "WHERE ma.attachment_id = attachments.id)",
                          soci::use(key));
    st.execute(true);
    return st.get_affected_rows() > 0;
  } catch (...) {
    return detail::current_error(db_, "remove attachment");
  }
}

status attachment_store::remove(std::string_view id) {
  try {
    std::string key(id);
    db_.sql() << "DELETE FROM attachments WHERE id = :i", soci::use(key);
    return success();
  } catch (...) {
    return detail::current_error(db_, "remove attachment");
  }
}

status attachment_store::drop_thumbnail(std::string_view id) {
  try {
    std::string key(id);
    db_.sql() << "UPDATE attachments SET thumb_sha256 = '', thumb_type = '' WHERE id = :i",
        soci::use(key);
    return success();
  } catch (...) {
    return detail::current_error(db_, "drop thumbnail");
  }
}

result<bool> attachment_store::blob_in_use(std::string_view sha256) {
  try {
    std::string h(sha256);
    int n = 0;
    // Avatar images share the blob store (gateway/avatars.hpp): their files stay too.
    db_.sql() << "SELECT (SELECT COUNT(*) FROM attachments WHERE sha256 = :h OR thumb_sha256 = "
                 ":t) + (SELECT COUNT(*) FROM avatar_images WHERE sha256 = :a)",
        soci::use(h), soci::use(h), soci::use(h), soci::into(n);
    return n > 0;
  } catch (...) {
    return detail::current_error(db_, "attachment blob in use");
  }
}

}  // namespace chat::persistence
