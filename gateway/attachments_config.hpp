#pragma once
#include <chrono>
#include <cstddef>
#include <string>

namespace chat::gateway {

/// Attachment settings (docs/operations.md): where files live, how large they may be, and when
/// files nobody references are removed.
struct attachments_config {
  std::string dir;                           ///< --attachments-dir; empty: attachments are off
  std::string db_url;                        ///< the server's database (attachment rows)
  std::size_t max_bytes = 10 * 1024 * 1024;  ///< --max-attachment-bytes (413 above)
  int threads = 1;                           ///< the attachment pool (uploads, thumbnails)
  int db_connections = 2;                    ///< connections that pool holds
  /// --attachment-grace: how long an upload no message references is kept (time to send it;
  /// also how long a deleted message's files stay).
  std::chrono::milliseconds orphan_grace = std::chrono::hours(24);
  /// --attachment-sweep-interval: how often the sweep looks for such files.
  std::chrono::milliseconds sweep_interval = std::chrono::hours(1);
};

}  // namespace chat::gateway
