#pragma once
// Content-addressed files on disk: <dir>/<first 2 hex>/<sha-256 hex>. A file is written under
// <dir>/tmp, flushed to disk, then renamed into place, so a reader never sees half a file and a
// failed write (disk full) leaves nothing behind. Thread-safe (no state beyond the directory);
// placing and removing a file of a hash that rows may reference again is the caller's to order
// (attachment_service holds one lock around both).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace chat::gateway {

class upload_file;

class blob_store {
 public:
  explicit blob_store(std::string dir) : dir_(std::move(dir)) {}

  enum class failure { disk_full, io_error, too_large };
  struct error {
    failure what;
    std::string message;  ///< one line (no file contents)
  };
  using put_result = std::variant<std::string, error>;  ///< the sha-256 hex, or why not

  /// Creates the directory (and tmp/) if missing and empties tmp/ (files a crash left behind:
  /// no upload is running yet); false with a message when it cannot.
  bool prepare(std::string& message) const;
  /// Moves a finished upload into place under its hash (an identical file already there is
  /// kept and the upload's removed).
  std::optional<error> place(upload_file& f) const;
  /// Deletes the file of `sha256` (a missing one is fine); false when it could not be removed.
  bool remove(std::string_view sha256) const;
  std::string tmp_dir() const { return dir_ + "/tmp"; }
  /// Stores the bytes (an identical file already there is kept) and returns their sha-256.
  put_result put(std::string_view bytes) const;
  /// Where the file of `sha256` is (whether or not it exists); "" for a malformed hash.
  std::string path_of(std::string_view sha256) const;
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

/// A failed system call's errno as an error (ENOSPC and EDQUOT are disk_full).
blob_store::error errno_error(int err, std::string_view what);

/// Lower-case hex SHA-256 of the bytes.
std::string sha256_hex(std::string_view bytes);

}  // namespace chat::gateway
