#include "tests/support/test_images.hpp"

#include <vips/vips.h>

#include <catch2/catch.hpp>
#include <vector>

namespace chat::test {

std::string make_image(int w, int h, const char* suffix, int bands, pixels kind) {
  static bool ready = VIPS_INIT("chatd-tests") == 0;
  REQUIRE(ready);
  std::vector<unsigned char> px(static_cast<std::size_t>(w * h * bands));
  if (kind == pixels::noise) {
    unsigned x = 12345;
    for (auto& p : px) p = static_cast<unsigned char>((x = x * 1103515245u + 12345u) >> 24);
  } else {
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        auto* p = &px[static_cast<std::size_t>((y * w + x) * bands)];
        p[0] = static_cast<unsigned char>(x * 255 / w);
        p[1] = static_cast<unsigned char>(y * 255 / h);
        p[2] = 128;
        if (bands == 4) p[3] = static_cast<unsigned char>(x % 256);
      }
  }
  VipsImage* img = vips_image_new_from_memory(px.data(), px.size(), w, h, bands, VIPS_FORMAT_UCHAR);
  REQUIRE(img != nullptr);
  void* buf = nullptr;
  size_t len = 0;
  const bool encoded = vips_image_write_to_buffer(img, suffix, &buf, &len, nullptr) == 0;
  g_object_unref(img);
  REQUIRE(encoded);
  std::string out(static_cast<const char*>(buf), len);
  g_free(buf);
  return out;
}

}  // namespace chat::test
