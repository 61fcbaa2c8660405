#pragma once
// One upload's bytes on their way in: a temporary file under <attachments dir>/tmp that counts,
// hashes (SHA-256) and bounds what is written to it, so an upload costs one chunk of memory
// whatever its size (or its Content-Length claims). The file is removed when this object dies
// unless blob_store::place moved it into the store. Blocking: used on the attachment pool.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "gateway/blob_store.hpp"

struct evp_md_ctx_st;

namespace chat::gateway {

class upload_file {
 public:
  /// A new, empty temporary file in `tmp_dir` that takes at most `max_bytes`.
  static std::variant<upload_file, blob_store::error> open(const std::string& tmp_dir,
                                                           std::size_t max_bytes);
  upload_file(upload_file&& other) noexcept;
  upload_file& operator=(upload_file&& other) noexcept;
  upload_file(const upload_file&) = delete;
  upload_file& operator=(const upload_file&) = delete;
  ~upload_file();

  /// Appends and hashes `bytes`; failure::too_large when they would pass max_bytes (nothing of
  /// them is written), disk_full or io_error when the disk refuses them.
  std::optional<blob_store::error> append(std::string_view bytes);
  /// Flushes the file to disk and closes it; sha256() is then its hash.
  std::optional<blob_store::error> finish();

  std::size_t size() const { return size_; }
  const std::string& path() const { return path_; }
  const std::string& sha256() const { return sha256_; }
  /// The file was renamed away: nothing is left to remove.
  void release() { path_.clear(); }

 private:
  upload_file() = default;
  void discard();

  int fd_ = -1;
  std::string path_;
  evp_md_ctx_st* md_ = nullptr;
  std::size_t size_ = 0, max_ = 0;
  std::string sha256_;
};

}  // namespace chat::gateway
