#pragma once
#include <cstddef>
#include <string>

namespace chat::gateway {

/// Attachment settings (docs/operations.md): where files live and how large they may be.
struct attachments_config {
  std::string dir;                           ///< --attachments-dir; empty: attachments are off
  std::string db_url;                        ///< the server's database (attachment rows)
  std::size_t max_bytes = 10 * 1024 * 1024;  ///< --max-attachment-bytes (413 above)
  int threads = 1;                           ///< the attachment pool (uploads, thumbnails)
  int db_connections = 2;                    ///< connections that pool holds
};

}  // namespace chat::gateway
