#pragma once
// The attachment endpoints (docs/http-api.md, "Attachments"), without Beast: http_session reads
// the request header, authenticates it and streams the body here piece by piece on this service's
// own threads; everything in here blocks (files, libmagic, libvips, the database) and never runs
// on I/O or actor threads. Also the sweep that removes files no message references.
#include <boost/asio/thread_pool.hpp>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include "auth/http_error.hpp"
#include "gateway/attachments_config.hpp"
#include "gateway/blob_store.hpp"
#include "gateway/upload_file.hpp"
#include "persistence/connection_pool.hpp"
#include "persistence/types.hpp"

namespace chat::gateway {

/// An answer for server.cpp to write: a JSON body, or a file to stream.
struct attachment_reply {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string file;  ///< when set, send this file as the body
};

/// An upload whose body is still coming: who sends it, its name, and its temporary file.
struct pending_upload {
  persistence::user_id who = 0;
  std::string file_name;
  upload_file file;
  bool avatar = false;  ///< POST /api/avatars (gateway/avatars.hpp)
};

/// What one sweep removed.
struct sweep_counts {
  int rows = 0;   ///< attachment rows no message referenced, past the grace
  int files = 0;  ///< files (originals and thumbnails) no row names any more
};

class attachment_service {
 public:
  /// `db` is parsed from cfg.db_url by the caller.
  attachment_service(attachments_config cfg, persistence::db_config db);
  ~attachment_service();

  /// Creates the directory and starts the sweep's thread; false with a one-line message when
  /// the directory cannot be made.
  bool start(std::string& message);
  /// Stops the sweep and the pool (waits for the running jobs).
  void stop();

  /// Paths this service answers: /api/attachments and /api/attachments/<id>[/thumbnail].
  static bool handles(std::string_view path);
  static bool is_upload(std::string_view method, std::string_view path);
  /// /api/avatars and /api/avatars/<id> (gateway/avatars.hpp), served on the same threads.
  static bool is_avatar(std::string_view path);
  std::size_t max_bytes() const { return cfg_.max_bytes; }

  /// Runs `job` on the attachment pool.
  void post(std::function<void()> job);

  /// POST /api/attachments?name=<file name>, in three steps. Blocking, each.
  /// The header is in: checks the name and opens the temporary file (or the answer why not).
  std::variant<pending_upload, attachment_reply> begin_upload(persistence::user_id who,
                                                              std::string_view target);
  /// A piece of the body: the answer to end with when it cannot be taken (413, 507, 500).
  std::optional<attachment_reply> append(pending_upload& up, std::string_view bytes);
  /// The whole body is in: sniffs, decodes an image whole (415 when it cannot be), stores.
  attachment_reply finish_upload(pending_upload up);
  /// The 413 answer for a body over max_bytes.
  attachment_reply too_large() const;
  /// GET /api/attachments/<id>[/thumbnail]. Blocking.
  attachment_reply download(persistence::user_id who, std::string_view path);

  /// One sweep at `now_ms` (the sweep thread calls it every sweep_interval): deletes the rows
  /// that no message references and that are older than orphan_grace, then each of their files
  /// that no other row names. Blocking; nullopt when the database is unavailable.
  std::optional<sweep_counts> sweep(std::int64_t now_ms);

 private:
  void sweep_loop();
  attachment_reply storage_error(const blob_store::error& e) const;

  attachments_config cfg_;
  blob_store blobs_;
  persistence::connection_pool db_;
  std::unique_ptr<boost::asio::thread_pool> pool_;
  // Held around "a row names this hash, and its file is in place" (upload) and "no row names
  // this hash, so its file goes" (sweep): content addressing lets an upload of the same bytes
  // reuse a file the sweep is about to remove.
  std::mutex blobs_mutex_;
  std::mutex sweep_mutex_;
  std::condition_variable sweep_wake_;
  bool stopping_ = false;
  std::thread sweeper_;
};

/// A JSON error reply ({"error": name, "message": ...}) with the code's status.
attachment_reply json_error(auth::http_error code, std::string_view message);
/// A storage error as a reply: 503 unavailable, anything else 500 (logged).
attachment_reply db_error(const persistence::error& e);
/// 32 random hex characters (a file's only handle); "" when there is no randomness.
std::string random_id();

/// "attachment; filename=..." or "inline; ..." with an ASCII fallback and RFC 6266's filename*.
std::string content_disposition(std::string_view name, bool inline_view);
/// A file name fit to store and show: no control characters, slashes or backslashes, at most 255
/// bytes (cut at a character), "file" when nothing is left; nullopt when not valid UTF-8.
std::optional<std::string> clean_file_name(std::string_view raw);

}  // namespace chat::gateway
