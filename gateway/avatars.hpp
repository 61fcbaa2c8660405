#pragma once
// The avatar endpoints (docs/http-api.md, "Avatars"): POST /api/avatars re-encodes an image and
// stores it content-addressed; GET /api/avatars/<id> serves it to those who may see it. Blocking
// (files, libmagic, libvips, the database): run on the attachment pool only.
#include <cstddef>
#include <string>
#include <string_view>

#include "gateway/attachments.hpp"
#include "gateway/blob_store.hpp"
#include "persistence/connection_pool.hpp"
#include "persistence/types.hpp"

namespace chat::gateway {

/// Avatar uploads over this many bytes are refused (413 body_too_large).
inline constexpr std::size_t max_avatar_bytes = 5 * 1024 * 1024;
/// Stored avatars are this many pixels square.
inline constexpr int avatar_side = 256;

/// POST /api/avatars: 201 {"avatar": id, "content_type", "width", "height"}; 415
/// unsupported_media_type when the bytes are no PNG, JPEG, GIF or WebP libvips can decode.
/// `path` is the finished upload (`size` bytes); the caller holds the blob lock the sweep takes.
attachment_reply upload_avatar(const blob_store& blobs, persistence::connection_pool& db,
                               persistence::user_id who, const std::string& path, std::size_t size);
/// GET /api/avatars/<id>: the image, 403 for who may not see it, 404 for an unknown id.
attachment_reply download_avatar(const blob_store& blobs, persistence::connection_pool& db,
                                 persistence::user_id who, std::string_view path);

}  // namespace chat::gateway
