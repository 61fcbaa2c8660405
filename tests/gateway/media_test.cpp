// probe_image on real files of each accepted image type: whole ones decode and get a thumbnail;
// truncated, corrupted or mislabelled ones are undecodable (the upload answers 415).

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "gateway/media.hpp"
#include "tests/support/scratch_database.hpp"
#include "tests/support/test_images.hpp"

using chat::gateway::image_info;
using chat::gateway::is_inline_image;
using chat::gateway::probe_image;
using chat::gateway::sniff_content_type;
namespace fs = std::filesystem;

namespace {

/// Noise, so the encoders cannot squeeze it into a few bytes.
std::string make_image(int w, int h, const char* suffix, int bands = 3) {
  return chat::test::make_image(w, h, suffix, bands, chat::test::pixels::noise);
}

struct temp_file {
  std::string path;
  explicit temp_file(const std::string& bytes)
      : path((fs::temp_directory_path() / ("media_test_" + chat::test_support::random_hex(12)))
                 .string()) {
    std::ofstream(path, std::ios::binary) << bytes;
  }
  ~temp_file() { fs::remove(path); }
};

struct format {
  const char* suffix;
  const char* type;
};
constexpr format formats[] = {
    {".png", "image/png"}, {".jpg", "image/jpeg"}, {".gif", "image/gif"}, {".webp", "image/webp"}};

}  // namespace

TEST_CASE("Whole images of each accepted type decode and get a thumbnail", "[gateway][media]") {
  for (const auto& f : formats) {
    INFO(f.type);
    temp_file file(make_image(320, 240, f.suffix));
    CHECK(sniff_content_type(file.path) == f.type);
    CHECK(is_inline_image(f.type));
    auto info = probe_image(file.path, f.type);
    CHECK(info.result == image_info::verdict::whole);
    CHECK(info.width == 320);
    CHECK(info.height == 240);
    REQUIRE(info.thumbnail);
    CHECK(info.thumbnail_type == "image/jpeg");
    CHECK(info.thumbnail->size() < 100'000);
  }
  // Transparency keeps a PNG thumbnail.
  temp_file alpha(make_image(100, 50, ".png", 4));
  auto info = probe_image(alpha.path, "image/png");
  CHECK(info.result == image_info::verdict::whole);
  CHECK(info.thumbnail_type == "image/png");
}

TEST_CASE("Truncated and corrupted images of each accepted type are undecodable",
          "[gateway][media]") {
  for (const auto& f : formats) {
    const std::string whole = make_image(320, 240, f.suffix);
    INFO(f.type << ", " << whole.size() << " bytes");
    // Cut halfway: the header is intact (libmagic still says it is this type).
    temp_file half(whole.substr(0, whole.size() / 2));
    CHECK(sniff_content_type(half.path) == f.type);
    auto cut = probe_image(half.path, f.type);
    CHECK(cut.result == image_info::verdict::undecodable);
    CHECK_FALSE(cut.reason.empty());
    CHECK_FALSE(cut.thumbnail);
    // The first 64 bytes (signature and header) and then garbage.
    std::string junk = whole;
    for (std::size_t i = 64; i < junk.size(); ++i) junk[i] = static_cast<char>(i * 31);
    temp_file garbage(junk);
    CHECK(probe_image(garbage.path, f.type).result == image_info::verdict::undecodable);
  }
}

TEST_CASE("An image sniffed as one type but read as another is undecodable", "[gateway][media]") {
  temp_file png(make_image(32, 32, ".png"));
  CHECK(probe_image(png.path, "image/jpeg").result == image_info::verdict::undecodable);
  temp_file text(std::string("just text, no image"));
  CHECK(sniff_content_type(text.path) == "text/plain");
  CHECK(probe_image(text.path, "image/png").result == image_info::verdict::undecodable);
}

TEST_CASE("An image over the pixel budget is not decoded at all", "[gateway][media]") {
  temp_file big(make_image(400, 300, ".png"));
  auto info = probe_image(big.path, "image/png", 320, 100'000);
  CHECK(info.result == image_info::verdict::too_large);
  CHECK(info.width == 400);
  CHECK_FALSE(info.thumbnail);
}
