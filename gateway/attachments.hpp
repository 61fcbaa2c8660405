#pragma once
// The attachment endpoints (docs/http-api.md, "Attachments"), without Beast: server.cpp reads the
// request, authenticates it and hands the bytes here on this service's own threads; everything in
// here blocks (files, libmagic, libvips, the database) and never runs on I/O or actor threads.
#include <boost/asio/thread_pool.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/attachments_config.hpp"
#include "gateway/blob_store.hpp"
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

class attachment_service {
 public:
  /// `db` is parsed from cfg.db_url by the caller.
  attachment_service(attachments_config cfg, persistence::db_config db);
  ~attachment_service();

  /// Creates the directory; false with a one-line message when it cannot.
  bool start(std::string& message);
  /// Stops the pool (waits for the running jobs).
  void stop();

  /// Paths this service answers: /api/attachments and /api/attachments/<id>[/thumbnail].
  static bool handles(std::string_view path);
  static bool is_upload(std::string_view method, std::string_view path);
  std::size_t max_bytes() const { return cfg_.max_bytes; }

  /// Runs `job` on the attachment pool.
  void post(std::function<void()> job);

  /// POST /api/attachments?name=<file name>: stores the body. Blocking.
  attachment_reply upload(persistence::user_id who, std::string_view target, std::string body);
  /// GET /api/attachments/<id>[/thumbnail]. Blocking.
  attachment_reply download(persistence::user_id who, std::string_view path);

 private:
  attachments_config cfg_;
  blob_store blobs_;
  persistence::connection_pool db_;
  std::unique_ptr<boost::asio::thread_pool> pool_;
};

/// "attachment; filename=..." or "inline; ..." with an ASCII fallback and RFC 6266's filename*.
std::string content_disposition(std::string_view name, bool inline_view);
/// A file name fit to store and show: no control characters, slashes or backslashes, at most 255
/// bytes (cut at a character), "file" when nothing is left; nullopt when not valid UTF-8.
std::optional<std::string> clean_file_name(std::string_view raw);

}  // namespace chat::gateway
