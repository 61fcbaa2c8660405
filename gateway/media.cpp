#include "gateway/media.hpp"

#include <fmt/format.h>
#include <magic.h>
#include <vips/vips.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <utility>

namespace chat::gateway {

namespace {

// A libmagic handle is not thread-safe: one per thread, loaded once. It reads at most the
// first 1 MiB of a file (file(1)'s limit until 5.41; its 7 MiB default would cost each pool
// thread that much memory per sniff).
struct magic_handle {
  magic_t m = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
  bool ok = m != nullptr && magic_load(m, nullptr) == 0 && limit_read(m);
  static bool limit_read(magic_t m) {
    std::size_t bytes_max = 1 << 20;
    return magic_setparam(m, MAGIC_PARAM_BYTES_MAX, &bytes_max) == 0;
  }
  ~magic_handle() {
    if (m) magic_close(m);
  }
};

void init_vips() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (VIPS_INIT("chatd") != 0) return;
    // libvips prints each decoder warning to stderr; an undecodable upload is reported once, as
    // its 415 answer says.
    g_log_set_handler(
        "VIPS", static_cast<GLogLevelFlags>(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_MESSAGE),
        [](const gchar*, GLogLevelFlags, const gchar*, gpointer) {}, nullptr);
    vips_cache_set_max(0);    // every upload is new: caching operations only costs memory
    vips_concurrency_set(1);  // the attachment pool is the parallelism
  });
}

struct unref {
  void operator()(void* p) const {
    if (p) g_object_unref(p);
  }
};
using image_ptr = std::unique_ptr<VipsImage, unref>;

// libvips's error buffer is per process: take its first line and clear it.
std::string vips_reason() {
  std::string all = vips_error_buffer();
  vips_error_clear();
  auto nl = all.find('\n');
  if (nl != std::string::npos) all.resize(nl);
  return all.empty() ? "libvips cannot read it" : all;
}

// The libvips loader each sniffed type must be read by: a file libmagic calls a PNG that libvips
// reads as something else is not the PNG it claims to be.
std::string_view loader_of(std::string_view t) {
  if (t == "image/png") return "pngload";
  if (t == "image/jpeg") return "jpegload";
  if (t == "image/gif") return "gifload";
  if (t == "image/webp") return "webpload";
  return {};
}

/// An avatar's header only (lazy load): the size decides before any pixel is decoded.
std::optional<std::pair<bool, bool>> avatar_header(std::string_view bytes, long long max_pixels) {
  image_ptr head(vips_image_new_from_buffer(bytes.data(), bytes.size(), "", "access",
                                            VIPS_ACCESS_SEQUENTIAL, nullptr));
  if (!head) {
    vips_error_clear();
    return std::nullopt;
  }
  const long long w = vips_image_get_width(head.get()), h = vips_image_get_height(head.get());
  if (w <= 0 || h <= 0 || w * h > max_pixels) return std::nullopt;
  return std::pair{true, vips_image_hasalpha(head.get()) != 0};
}

}  // namespace

std::string sniff_content_type(const std::string& path) {
  thread_local magic_handle h;
  if (!h.ok) return "application/octet-stream";
  const char* t = magic_file(h.m, path.c_str());
  if (t == nullptr || *t == '\0') return "application/octet-stream";
  return t;
}

bool is_inline_image(std::string_view t) {
  return !loader_of(t).empty();
}

image_info probe_image(const std::string& path, std::string_view content_type, int max_side,
                       long long max_pixels) {
  init_vips();
  image_info info;
  auto undecodable = [&info](std::string reason) {
    info.result = image_info::verdict::undecodable;
    info.reason = std::move(reason);
    return info;
  };
  // The header only (lazy load): the size decides before any pixel is decoded.
  image_ptr head(vips_image_new_from_file(path.c_str(), "access", VIPS_ACCESS_SEQUENTIAL, "fail_on",
                                          VIPS_FAIL_ON_ERROR, nullptr));
  if (!head) return undecodable(vips_reason());
  const char* loader = nullptr;
  if (vips_image_get_string(head.get(), VIPS_META_LOADER, &loader) != 0 || loader == nullptr ||
      std::string_view(loader).rfind(loader_of(content_type), 0) != 0) {
    vips_error_clear();
    return undecodable(fmt::format("libvips does not read it as {} ({})", content_type,
                                   loader ? loader : "no loader"));
  }
  info.width = vips_image_get_width(head.get());
  info.height = vips_image_get_height(head.get());
  const bool alpha = vips_image_hasalpha(head.get());
  const long long pages = std::max(1, vips_image_get_n_pages(head.get()));
  head.reset();
  if (info.width <= 0 || info.height <= 0) return undecodable("the image has no pixels");
  const long long pixels = static_cast<long long>(info.width) * info.height;
  if (pixels > max_pixels) {
    info.result = image_info::verdict::too_large;
    return info;
  }
  // Every pixel, strip by strip, with the first decoder error fatal (fail_on=error): libpng and
  // libjpeg would otherwise fill a truncated image with grey and call it done. Every frame of an
  // animation when they all fit the pixel budget.
  const bool all_pages = pages > 1 && pixels * pages <= max_pixels;
  image_ptr full(all_pages
                     ? vips_image_new_from_file(path.c_str(), "access", VIPS_ACCESS_SEQUENTIAL,
                                                "fail_on", VIPS_FAIL_ON_ERROR, "n", -1, nullptr)
                     : vips_image_new_from_file(path.c_str(), "access", VIPS_ACCESS_SEQUENTIAL,
                                                "fail_on", VIPS_FAIL_ON_ERROR, nullptr));
  double mean = 0;
  if (!full || vips_avg(full.get(), &mean, nullptr) != 0) return undecodable(vips_reason());
  full.reset();
  info.result = image_info::verdict::whole;
  VipsImage* raw = nullptr;
  if (vips_thumbnail(path.c_str(), &raw, max_side, "height", max_side, "fail_on",
                     VIPS_FAIL_ON_ERROR, nullptr) != 0) {
    vips_error_clear();
    return info;  // decoded whole, yet no thumbnail: shown as a file
  }
  image_ptr thumb(raw);
  void* out = nullptr;
  size_t len = 0;
  const char* suffix = alpha ? ".png" : ".jpg[Q=80,strip]";
  if (vips_image_write_to_buffer(thumb.get(), suffix, &out, &len, nullptr) != 0) {
    vips_error_clear();
    return info;
  }
  info.thumbnail.emplace(static_cast<const char*>(out), len);
  g_free(out);
  info.thumbnail_type = alpha ? "image/png" : "image/jpeg";
  return info;
}

bool looks_like_jpeg(std::string_view bytes) {
  return bytes.size() >= 3 && static_cast<unsigned char>(bytes[0]) == 0xFF &&
         static_cast<unsigned char>(bytes[1]) == 0xD8 &&
         static_cast<unsigned char>(bytes[2]) == 0xFF;
}

bool jpeg_complete(std::string_view bytes) {
  // Entropy-coded data never holds FF D9 (a data FF is stuffed as FF 00), so the image data ends
  // with the first EOI after the first start-of-scan; earlier ones belong to embedded thumbnails.
  const auto sos = bytes.find("\xFF\xDA", 2);
  return sos != std::string_view::npos && bytes.find("\xFF\xD9", sos + 2) != std::string_view::npos;
}

std::optional<avatar_image> make_avatar(std::string_view bytes, int side, long long max_pixels) {
  init_vips();
  auto head = avatar_header(bytes, max_pixels);
  if (!head) return std::nullopt;
  const bool alpha = head->second;
  // A cut-off JPEG decodes with only a libjpeg warning (the missing part grey): refuse it here.
  if (looks_like_jpeg(bytes) && !jpeg_complete(bytes)) return std::nullopt;
  VipsImage* raw = nullptr;
  // Cut to the centre square and scaled to side x side (small images grow); fail_on=truncated
  // refuses a corrupt or cut-off PNG, GIF or WebP instead of storing a broken picture.
  if (vips_thumbnail_buffer(const_cast<char*>(bytes.data()), bytes.size(), &raw, side, "height",
                            side, "crop", VIPS_INTERESTING_CENTRE, "size", VIPS_SIZE_BOTH,
                            "fail_on", VIPS_FAIL_ON_TRUNCATED, nullptr) != 0) {
    vips_error_clear();
    return std::nullopt;
  }
  image_ptr img(raw);
  // Written by libvips, metadata stripped: PNG keeps transparency, JPEG otherwise.
  void* out = nullptr;
  size_t len = 0;
  if (vips_image_write_to_buffer(img.get(), alpha ? ".png[strip]" : ".jpg[Q=85,strip]", &out, &len,
                                 nullptr) != 0) {
    vips_error_clear();
    return std::nullopt;
  }
  avatar_image r{std::string(static_cast<const char*>(out), len),
                 alpha ? "image/png" : "image/jpeg", vips_image_get_width(img.get()),
                 vips_image_get_height(img.get())};
  g_free(out);
  return r;
}

}  // namespace chat::gateway
