#pragma once
// Attachment rows (the bytes are files; gateway/blob_store.hpp). Written after the file exists,
// so no transaction ever waits on a file.
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "persistence/database.hpp"
#include "persistence/types.hpp"

namespace chat::persistence {

struct attachment {
  std::string id;            ///< 32 random hex characters: the only handle clients get
  std::string sha256;        ///< the file's name in the blob store
  std::string thumb_sha256;  ///< "" when there is no thumbnail
  std::string thumb_type;    ///< e.g. "image/jpeg"; "" without a thumbnail
  user_id uploader = 0;
  std::string file_name;
  std::string content_type;  ///< sniffed from the bytes
  std::int64_t size = 0;
  int width = 0, height = 0;  ///< of an image, 0 otherwise
  std::int64_t created_at_ms = 0;
};

class attachment_store {
 public:
  explicit attachment_store(database& db) : db_(db) {}

  status create(const attachment& a);
  result<std::optional<attachment>> find(std::string_view id);
  /// Whether `u` may fetch it: its uploader, or a current member of a conversation with a message
  /// that references it.
  result<bool> may_fetch(user_id u, std::string_view id);
  /// Those of `ids` that `u` may put into a message (the ones `u` may fetch), in `ids` order.
  result<std::vector<attachment>> usable_by(user_id u, std::span<const std::string> ids);

  /// The sweep's candidates: up to `limit` rows created before `created_before_ms` that no
  /// message references (never sent, or every message with them deleted), oldest first.
  result<std::vector<attachment>> unreferenced(std::int64_t created_before_ms, int limit);
  /// Deletes the row if still no message references it; whether it did.
  result<bool> remove_unreferenced(std::string_view id);
  /// Deletes the row whatever references it (an upload whose file could not be placed).
  status remove(std::string_view id);
  /// The row keeps no thumbnail (its file could not be stored).
  status drop_thumbnail(std::string_view id);
  /// Whether any row names `sha256` as its file or its thumbnail.
  result<bool> blob_in_use(std::string_view sha256);

 private:
  database& db_;
};

}  // namespace chat::persistence
