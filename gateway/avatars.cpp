#include "gateway/avatars.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "gateway/media.hpp"
#include "logging/logger.hpp"
#include "persistence/avatar_store.hpp"
#include "protocol/profile_rules.hpp"
#include "protocol/serializer.hpp"
#include "util/clock.hpp"

namespace chat::gateway {

namespace {

constexpr std::string_view avatars_prefix = "/api/avatars/";

/// Runs `f` with a store on a pooled connection; a storage failure becomes the reply.
template <class F>
attachment_reply with_store(persistence::connection_pool& db, F&& f) {
  auto lease = db.acquire();
  if (!lease) return db_error(lease.err());
  persistence::avatar_store store{**lease};
  return f(store, *lease);
}

}  // namespace

attachment_reply upload_avatar(const blob_store& blobs, persistence::connection_pool& db,
                               persistence::user_id who, const std::string& path,
                               std::size_t size) {
  if (size == 0)
    return json_error(auth::http_error::bad_request, "the request body (the image) is empty");
  if (size > max_avatar_bytes)
    return json_error(auth::http_error::body_too_large,
                      fmt::format("avatar images are at most {} bytes", max_avatar_bytes));
  std::string body;
  {
    std::ifstream in(path, std::ios::binary);
    body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) body.clear();
  }
  if (body.size() != size)
    return json_error(auth::http_error::internal, "the upload could not be read back");
  // What the bytes are, never what the client says; then a full decode and a fresh encoding,
  // so what is stored and served is an image libvips wrote (no metadata, no trailing payload).
  const auto sniffed = sniff_content_type(path);
  if (!is_inline_image(sniffed))
    return json_error(
        auth::http_error::unsupported_media_type,
        fmt::format("an avatar must be a PNG, JPEG, GIF or WebP image, not {}", sniffed));
  auto img = make_avatar(body, avatar_side);
  if (!img)
    return json_error(auth::http_error::unsupported_media_type,
                      "the image could not be decoded (corrupt, truncated, or over 50 megapixels)");
  persistence::avatar_image a;
  a.id = random_id();
  if (a.id.empty()) return json_error(auth::http_error::internal, "no randomness");
  a.uploader = who;
  a.content_type = img->content_type;
  a.created_at_ms = util::now_ms();
  // The file first, closed before the row is written: no transaction waits on a file.
  auto stored = blobs.put(img->bytes);
  if (auto* e = std::get_if<blob_store::error>(&stored)) {
    CHAT_LOG_WARN("gateway", "avatars: {}", e->message);
    if (e->what == blob_store::failure::disk_full)
      return json_error(auth::http_error::insufficient_storage,
                        "the server has no room for this image");
    return json_error(auth::http_error::internal, "the image could not be stored");
  }
  a.sha256 = std::get<std::string>(stored);
  return with_store(db, [&](persistence::avatar_store& store, auto& lease) {
    auto created = store.create(a);
    if (!created) {
      if (created.err().code == persistence::errc::unavailable) lease.broken();
      return db_error(created.err());
    }
    attachment_reply r;
    r.status = 201;
    r.body = "{\"avatar\":";
    protocol::append_json_string(r.body, a.id);
    r.body += ",\"content_type\":";
    protocol::append_json_string(r.body, a.content_type);
    r.body += fmt::format(",\"width\":{},\"height\":{}}}", img->width, img->height);
    return r;
  });
}

attachment_reply download_avatar(const blob_store& blobs, persistence::connection_pool& db,
                                 persistence::user_id who, std::string_view path) {
  if (path.rfind(avatars_prefix, 0) != 0)
    return json_error(auth::http_error::method_not_allowed,
                      "POST /api/avatars uploads, GET /api/avatars/<id> downloads");
  const auto id = path.substr(avatars_prefix.size());
  if (!protocol::is_avatar_id(id)) return json_error(auth::http_error::not_found, "no such avatar");
  return with_store(db, [&](persistence::avatar_store& store, auto&) {
    auto found = store.find(id);
    if (!found) return db_error(found.err());
    if (!*found) return json_error(auth::http_error::not_found, "no such avatar");
    auto allowed = store.may_fetch(who, id);
    if (!allowed) return db_error(allowed.err());
    if (!*allowed)
      return json_error(auth::http_error::forbidden,
                        "only people who share a conversation with its user, or members of its "
                        "group, may fetch an avatar");
    attachment_reply r;
    r.file = blobs.path_of((*found)->sha256);
    std::error_code ec;
    if (r.file.empty() || !std::filesystem::exists(r.file, ec))
      return json_error(auth::http_error::not_found, "the avatar's file is missing");
    r.content_type = (*found)->content_type;
    // An id names one image forever, but who may see it changes: private, revalidated daily.
    r.headers = {{"X-Content-Type-Options", "nosniff"},
                 {"Content-Security-Policy", "default-src 'none'; sandbox"},
                 {"Cache-Control", "private, max-age=86400"}};
    return r;
  });
}

}  // namespace chat::gateway
