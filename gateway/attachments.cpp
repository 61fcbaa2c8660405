#include "gateway/attachments.hpp"

#include <fmt/format.h>
#include <openssl/rand.h>
#include <boost/asio/post.hpp>

#include <filesystem>

#include "auth/http_error.hpp"
#include "gateway/avatars.hpp"
#include "gateway/media.hpp"
#include "logging/logger.hpp"
#include "persistence/attachment_store.hpp"
#include "protocol/serializer.hpp"
#include "util/clock.hpp"
#include "util/uri.hpp"

namespace chat::gateway {

namespace {

constexpr std::string_view prefix = "/api/attachments";
constexpr std::string_view avatars = "/api/avatars";

}  // namespace

attachment_reply json_error(auth::http_error code, std::string_view message) {
  attachment_reply r;
  r.status = auth::status_of(code);
  r.body = auth::error_body(code, message);
  return r;
}

attachment_reply db_error(const persistence::error& e) {
  if (e.code == persistence::errc::unavailable)
    return json_error(auth::http_error::unavailable, "the database is unavailable; retry later");
  CHAT_LOG_WARN("gateway", "attachments: {}", e.message);
  return json_error(auth::http_error::internal, "internal error");
}

std::string random_id() {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) return {};
  std::string out;
  for (unsigned char c : raw) out += fmt::format("{:02x}", c);
  return out;
}

namespace {

bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xE  ? 3
                    : (c >> 3) == 0x1E ? 4
                                       : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

std::string json_of(const persistence::attachment& a) {
  std::string s = "{\"id\":";
  protocol::append_json_string(s, a.id);
  s += ",\"name\":";
  protocol::append_json_string(s, a.file_name);
  s += ",\"content_type\":";
  protocol::append_json_string(s, a.content_type);
  s += fmt::format(",\"size\":{},\"thumbnail\":{},\"width\":{},\"height\":{}}}", a.size,
                   a.thumb_sha256.empty() ? "false" : "true", a.width, a.height);
  return s;
}

}  // namespace

std::optional<std::string> clean_file_name(std::string_view raw) {
  if (!valid_utf8(raw)) return std::nullopt;
  std::string out;
  for (char c : raw) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7F || c == '/' || c == '\\') continue;
    out += c;
  }
  while (!out.empty() && out.front() == ' ') out.erase(out.begin());
  while (!out.empty() && (out.back() == ' ' || out.back() == '.')) out.pop_back();
  if (out.size() > 255) {
    std::size_t cut = 255;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
  }
  if (out.empty() || out == ".") out = "file";
  return out;
}

std::string content_disposition(std::string_view name, bool inline_view) {
  std::string ascii;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    ascii += (u < 0x20 || u >= 0x7F || c == '"' || c == '\\' || c == ';' || c == '%') ? '_' : c;
  }
  return fmt::format("{}; filename=\"{}\"; filename*=UTF-8''{}",
                     inline_view ? "inline" : "attachment", ascii, util::percent_encode(name));
}

attachment_service::attachment_service(attachments_config cfg, persistence::db_config db)
    : cfg_(std::move(cfg)),
      blobs_(cfg_.dir),
      db_(std::move(db), cfg_.db_connections),
      pool_(std::make_unique<boost::asio::thread_pool>(std::max(1, cfg_.threads))) {}

attachment_service::~attachment_service() {
  stop();
}

bool attachment_service::start(std::string& message) {
  if (!blobs_.prepare(message)) return false;
  if (cfg_.sweep_interval.count() > 0 && !sweeper_.joinable())
    sweeper_ = std::thread([this] { sweep_loop(); });
  return true;
}

void attachment_service::stop() {
  {
    std::lock_guard lock(sweep_mutex_);
    stopping_ = true;
  }
  sweep_wake_.notify_all();
  if (sweeper_.joinable()) sweeper_.join();
  if (pool_) pool_->join();
}

void attachment_service::sweep_loop() {
  std::unique_lock lock(sweep_mutex_);
  while (!sweep_wake_.wait_for(lock, cfg_.sweep_interval, [this] { return stopping_; })) {
    lock.unlock();
    if (auto n = sweep(util::now_ms()); n && (n->rows > 0 || n->files > 0))
      CHAT_LOG_INFO("gateway", "attachment sweep: {} unreferenced attachments, {} files removed",
                    n->rows, n->files);
    lock.lock();
  }
}

std::optional<sweep_counts> attachment_service::sweep(std::int64_t now_ms) {
  sweep_counts done;
  auto lease = db_.acquire();
  if (!lease) return std::nullopt;
  persistence::attachment_store store{**lease};
  const std::int64_t cutoff = now_ms - cfg_.orphan_grace.count();
  for (;;) {
    auto batch = store.unreferenced(cutoff, 200);
    if (!batch) {
      CHAT_LOG_WARN("gateway", "attachment sweep: {}", batch.err().message);
      if (batch.err().code == persistence::errc::unavailable) lease->broken();
      return std::nullopt;
    }
    int removed_now = 0;
    for (const auto& a : *batch) {
      std::lock_guard lock(blobs_mutex_);
      auto removed = store.remove_unreferenced(a.id);
      if (!removed) {
        if (removed.err().code == persistence::errc::unavailable) lease->broken();
        return std::nullopt;
      }
      if (!*removed) continue;  // a message took it meanwhile
      ++done.rows;
      ++removed_now;
      for (const auto& sha : {a.sha256, a.thumb_sha256}) {
        if (sha.empty()) continue;
        auto used = store.blob_in_use(sha);
        if (!used) return std::nullopt;
        if (*used) continue;  // the same bytes are another attachment too
        if (blobs_.remove(sha))
          ++done.files;
        else
          CHAT_LOG_WARN("gateway", "attachment sweep: cannot remove the file of {}", sha);
      }
    }
    if (batch->size() < 200 || removed_now == 0) break;
  }
  return done;
}

bool attachment_service::handles(std::string_view path) {
  return path == prefix || path.rfind(std::string(prefix) + "/", 0) == 0 || is_avatar(path);
}

bool attachment_service::is_avatar(std::string_view path) {
  return path == avatars || path.rfind(std::string(avatars) + "/", 0) == 0;
}

bool attachment_service::is_upload(std::string_view method, std::string_view path) {
  return method == "POST" && (path == prefix || path == avatars);
}

void attachment_service::post(std::function<void()> job) {
  boost::asio::post(*pool_, std::move(job));
}

std::variant<pending_upload, attachment_reply> attachment_service::begin_upload(
    persistence::user_id who, std::string_view target) {
  if (is_avatar(util::target_path(target))) {
    // An avatar image (gateway/avatars.hpp): no name; its own limit, checked again at the end.
    auto file = upload_file::open(blobs_.tmp_dir(), std::min(cfg_.max_bytes, max_avatar_bytes));
    if (auto* e = std::get_if<blob_store::error>(&file)) return storage_error(*e);
    return pending_upload{who, {}, std::move(std::get<upload_file>(file)), true};
  }
  auto name = clean_file_name(util::query_param(target, "name").value_or("file"));
  if (!name) return json_error(auth::http_error::bad_request, "the file name is not valid UTF-8");
  auto file = upload_file::open(blobs_.tmp_dir(), cfg_.max_bytes);
  if (auto* e = std::get_if<blob_store::error>(&file)) return storage_error(*e);
  return pending_upload{who, std::move(*name), std::move(std::get<upload_file>(file))};
}

std::optional<attachment_reply> attachment_service::append(pending_upload& up,
                                                           std::string_view bytes) {
  if (auto e = up.file.append(bytes)) return storage_error(*e);
  return std::nullopt;
}

attachment_reply attachment_service::too_large() const {
  return json_error(auth::http_error::body_too_large,
                    fmt::format("files here are at most {} bytes", cfg_.max_bytes));
}

attachment_reply attachment_service::storage_error(const blob_store::error& e) const {
  switch (e.what) {
    case blob_store::failure::too_large:
      return too_large();
    case blob_store::failure::disk_full:
      CHAT_LOG_WARN("gateway", "attachments: {}", e.message);
      return json_error(auth::http_error::insufficient_storage,
                        "the server has no room for this file");
    case blob_store::failure::io_error:
      break;
  }
  CHAT_LOG_WARN("gateway", "attachments: {}", e.message);
  return json_error(auth::http_error::internal, "the file could not be stored");
}

attachment_reply attachment_service::finish_upload(pending_upload up) {
  if (up.avatar) {
    if (auto e = up.file.finish()) return storage_error(*e);
    std::lock_guard lock(blobs_mutex_);
    return upload_avatar(blobs_, db_, up.who, up.file.path(), up.file.size());
  }
  if (up.file.size() == 0)
    return json_error(auth::http_error::bad_request, "the request body (the file) is empty");
  if (auto e = up.file.finish()) return storage_error(*e);
  persistence::attachment a;
  a.id = random_id();
  if (a.id.empty()) return json_error(auth::http_error::internal, "no randomness");
  a.uploader = up.who;
  a.file_name = std::move(up.file_name);
  a.size = static_cast<std::int64_t>(up.file.size());
  a.sha256 = up.file.sha256();
  a.content_type = sniff_content_type(up.file.path());
  a.created_at_ms = util::now_ms();
  std::optional<std::string> thumbnail;
  if (is_inline_image(a.content_type)) {
    auto img = probe_image(up.file.path(), a.content_type);
    if (img.result == image_info::verdict::undecodable)
      return json_error(auth::http_error::unsupported_media_type,
                        fmt::format("the file is a {} that cannot be decoded whole: {}",
                                    a.content_type, img.reason));
    a.width = img.width;
    a.height = img.height;
    if (img.thumbnail) {
      a.thumb_sha256 = sha256_hex(*img.thumbnail);
      a.thumb_type = img.thumbnail_type;
      thumbnail = std::move(img.thumbnail);
    }
  }
  auto lease = db_.acquire();
  if (!lease) return db_error(lease.err());
  persistence::attachment_store store{**lease};
  // The row, then its files, under the lock the sweep takes to remove a file no row names. The
  // row first: a crash in between leaves a row without a file (a 404, swept as unreferenced),
  // never a file no row names; every file is closed before the row is written, so no
  // transaction waits on a file.
  std::lock_guard lock(blobs_mutex_);
  if (auto created = store.create(a); !created) {
    if (created.err().code == persistence::errc::unavailable) lease->broken();
    return db_error(created.err());
  }
  if (auto e = blobs_.place(up.file)) {
    if (!store.remove(a.id)) lease->broken();  // else the sweep removes the row later
    return storage_error(*e);
  }
  if (thumbnail && !std::holds_alternative<std::string>(blobs_.put(*thumbnail))) {
    // No room for the thumbnail: the upload still counts, without one.
    a.thumb_sha256.clear();
    if (!store.drop_thumbnail(a.id)) lease->broken();
  }
  attachment_reply r;
  r.status = 201;
  r.body = json_of(a);
  return r;
}

attachment_reply attachment_service::download(persistence::user_id who, std::string_view path) {
  if (is_avatar(path)) return download_avatar(blobs_, db_, who, path);
  auto rest = path.substr(std::min(path.size(), prefix.size() + 1));
  bool thumbnail = false;
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    if (rest.substr(slash) != "/thumbnail")
      return json_error(auth::http_error::not_found, "no such endpoint");
    thumbnail = true;
    rest = rest.substr(0, slash);
  }
  if (rest.empty() || rest.size() > 64)
    return json_error(auth::http_error::not_found, "no such attachment");
  auto lease = db_.acquire();
  if (!lease) return db_error(lease.err());
  persistence::attachment_store store{**lease};
  auto found = store.find(rest);
  if (!found) return db_error(found.err());
  if (!*found) return json_error(auth::http_error::not_found, "no such attachment");
  auto allowed = store.may_fetch(who, rest);
  if (!allowed) return db_error(allowed.err());
  if (!*allowed)
    return json_error(auth::http_error::forbidden,
                      "only members of a conversation the attachment was sent to may fetch it");
  const auto& a = **found;
  if (thumbnail && a.thumb_sha256.empty())
    return json_error(auth::http_error::not_found, "this attachment has no thumbnail");
  attachment_reply r;
  r.file = blobs_.path_of(thumbnail ? a.thumb_sha256 : a.sha256);
  std::error_code ec;
  if (r.file.empty() || !std::filesystem::exists(r.file, ec))
    return json_error(auth::http_error::not_found, "the attachment's file is missing");
  const bool image = thumbnail || is_inline_image(a.content_type);
  r.content_type = thumbnail ? a.thumb_type : a.content_type;
  r.headers = {{"Content-Disposition", content_disposition(a.file_name, image)},
               {"X-Content-Type-Options", "nosniff"},
               {"Content-Security-Policy", "default-src 'none'; sandbox"},
               {"Cache-Control", "private, no-cache"}};
  return r;
}

}  // namespace chat::gateway
