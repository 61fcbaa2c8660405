// Avatar images (gateway/media.hpp): a cut-off JPEG is told apart from a whole one before libvips
// (which decodes it with a warning only), and the re-encoding is a square of the asked size.
#include <catch2/catch.hpp>

#include <string>

#include "gateway/media.hpp"

using namespace chat::gateway;

namespace {
// SOI, an APP1 holding an embedded thumbnail's own SOI/EOI, SOS, scan data, EOI.
const std::string whole = std::string("\xFF\xD8\xFF\xE1\x00\x08\xFF\xD8\x01\xFF\xD9\x00", 12) +
                          std::string("\xFF\xDA\x00\x02\x12\xFF\x00\x34\xFF\xD9", 10);
}  // namespace

TEST_CASE("A JPEG is complete when an end-of-image follows its first scan", "[gateway][unit]") {
  CHECK(looks_like_jpeg(whole));
  CHECK(jpeg_complete(whole));
  CHECK(jpeg_complete(whole + "trailing bytes some cameras append"));
  // Cut inside the scan: the thumbnail's EOI (before the scan) does not count.
  CHECK_FALSE(jpeg_complete(whole.substr(0, whole.size() - 2)));
  CHECK_FALSE(jpeg_complete(whole.substr(0, 12)));
  CHECK_FALSE(looks_like_jpeg("\x89PNG\r\n"));
  CHECK_FALSE(looks_like_jpeg(""));
}

TEST_CASE("Avatars are re-encoded as squares; what libvips cannot read is refused",
          "[gateway][unit]") {
  CHECK_FALSE(make_avatar("not an image").has_value());
  CHECK_FALSE(make_avatar(whole).has_value());  // a JPEG's structure, no real image in it
}
