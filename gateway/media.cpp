#include "gateway/media.hpp"

#include <magic.h>
#include <vips/vips.h>

#include <cstdlib>
#include <memory>
#include <mutex>

namespace chat::gateway {

namespace {

// A libmagic handle is not thread-safe: one per thread, loaded once.
struct magic_handle {
  magic_t m = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
  bool ok = m != nullptr && magic_load(m, nullptr) == 0;
  ~magic_handle() {
    if (m) magic_close(m);
  }
};

void init_vips() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (VIPS_INIT("chatd") != 0) return;
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

}  // namespace

std::string sniff_content_type(std::string_view bytes) {
  thread_local magic_handle h;
  if (!h.ok || bytes.empty()) return "application/octet-stream";
  const char* t = magic_buffer(h.m, bytes.data(), bytes.size());
  if (t == nullptr || *t == '\0') return "application/octet-stream";
  return t;
}

bool is_inline_image(std::string_view t) {
  return t == "image/png" || t == "image/jpeg" || t == "image/gif" || t == "image/webp";
}

std::optional<image_info> probe_image(std::string_view bytes, int max_side, long long max_pixels) {
  init_vips();
  // The header only (lazy load): the size decides before any pixel is decoded.
  image_ptr head(vips_image_new_from_buffer(bytes.data(), bytes.size(), "", "access",
                                            VIPS_ACCESS_SEQUENTIAL, nullptr));
  if (!head) {
    vips_error_clear();
    return std::nullopt;
  }
  image_info info;
  info.width = vips_image_get_width(head.get());
  info.height = vips_image_get_height(head.get());
  const bool alpha = vips_image_hasalpha(head.get());
  head.reset();
  if (info.width <= 0 || info.height <= 0 ||
      static_cast<long long>(info.width) * info.height > max_pixels)
    return std::nullopt;
  VipsImage* raw = nullptr;
  // fail_on=error: a truncated or corrupt image gets no thumbnail (libpng and libjpeg would
  // otherwise fill the missing part with black).
  if (vips_thumbnail_buffer(const_cast<char*>(bytes.data()), bytes.size(), &raw, max_side, "height",
                            max_side, "fail_on", VIPS_FAIL_ON_ERROR, nullptr) != 0) {
    vips_error_clear();
    return std::nullopt;
  }
  image_ptr thumb(raw);
  void* out = nullptr;
  size_t len = 0;
  const char* suffix = alpha ? ".png" : ".jpg[Q=80,strip]";
  if (vips_image_write_to_buffer(thumb.get(), suffix, &out, &len, nullptr) != 0) {
    vips_error_clear();
    return std::nullopt;
  }
  info.thumbnail.emplace(static_cast<const char*>(out), len);
  g_free(out);
  info.thumbnail_type = alpha ? "image/png" : "image/jpeg";
  return info;
}

}  // namespace chat::gateway
