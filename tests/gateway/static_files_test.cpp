#include <catch2/catch.hpp>

#include <unistd.h>
#include <filesystem>
#include <fstream>

#include "gateway/static_files.hpp"

using namespace chat::gateway;
namespace fs = std::filesystem;

namespace {
struct web_root {
  fs::path dir = fs::temp_directory_path() / ("chatd-static-" + std::to_string(::getpid()));
  web_root() {
    fs::create_directories(dir / "assets");
    put("index.html", "<html>");
    put("app.3f9a1c2b.css", "css");
    put("app.3f9a1c2b.css.gz", "gz");
    put("assets/logo.svg", "<svg/>");
    put("assets/logo.svg.br", "br");
    std::ofstream(dir.parent_path() / "outside.txt") << "secret";
    fs::create_symlink(dir.parent_path() / "outside.txt", dir / "link.txt");
  }
  ~web_root() {
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void put(const std::string& name, const std::string& text) { std::ofstream(dir / name) << text; }
};
}  // namespace

TEST_CASE("Accept-Encoding parsing honours q=0 and wildcards", "[gateway]") {
  CHECK(accepts_encoding("gzip, deflate, br", "br"));
  CHECK(accepts_encoding("gzip;q=0.5", "gzip"));
  CHECK_FALSE(accepts_encoding("gzip;q=0", "gzip"));
  CHECK_FALSE(accepts_encoding("br;q=0.000, gzip", "br"));
  CHECK(accepts_encoding("*", "br"));
  CHECK_FALSE(accepts_encoding("", "gzip"));
  CHECK_FALSE(accepts_encoding("gzipx", "gzip"));
}

TEST_CASE("Hashed file names are recognised", "[gateway]") {
  CHECK(is_hashed_name("main-2XQTKZ4Y.js"));
  CHECK(is_hashed_name("app.3f9a1c2b.css"));
  CHECK(is_hashed_name("chunk-ABCD1234.js"));
  CHECK_FALSE(is_hashed_name("index.html"));
  CHECK_FALSE(is_hashed_name("favicon.ico"));
  CHECK(is_hashed_name("main-ZYCRNMIS.js"));  // esbuild: upper-case base32, may hold no digit
  CHECK_FALSE(is_hashed_name("styles-darkmode.css"));  // a lower-case word, not a hash
  CHECK_FALSE(is_hashed_name("icon-maskable.png"));
}

TEST_CASE("Static lookup picks files, siblings, cache policy and the SPA fallback", "[gateway]") {
  web_root w;
  auto root = w.dir.string();
  using outcome = static_lookup::outcome;

  auto idx = resolve_static(root, "/", "gzip, br");
  REQUIRE(idx.result == outcome::found);
  CHECK(idx.cache_control == "no-cache");
  CHECK(idx.content_type == "text/html; charset=utf-8");

  auto css = resolve_static(root, "/app.3f9a1c2b.css?v=1", "gzip, br");
  REQUIRE(css.result == outcome::found);
  CHECK(css.content_encoding == "gzip");
  CHECK(css.path.ends_with(".css.gz"));
  CHECK(css.cache_control == "public, max-age=31536000, immutable");
  CHECK(css.vary_accept_encoding);
  CHECK(css.content_type == "text/css; charset=utf-8");

  auto svg = resolve_static(root, "/assets/logo.svg", "br");
  CHECK(svg.content_encoding == "br");
  auto svg_plain = resolve_static(root, "/assets/logo.svg", "identity");
  CHECK(svg_plain.content_encoding.empty());
  CHECK(svg_plain.cache_control == "no-cache");

  auto route = resolve_static(root, "/chats/12", "");
  REQUIRE(route.result == outcome::found);
  CHECK(route.path == (w.dir / "index.html").string());
  CHECK(resolve_static(root, "/missing.js", "").result == outcome::not_found);
}

TEST_CASE("Static lookup refuses traversal", "[gateway]") {
  web_root w;
  auto root = w.dir.string();
  using outcome = static_lookup::outcome;
  CHECK(resolve_static(root, "/../outside.txt", "").result == outcome::forbidden);
  CHECK(resolve_static(root, "/%2e%2e/outside.txt", "").result == outcome::forbidden);
  CHECK(resolve_static(root, "/assets/..%2F..%2Foutside.txt", "").result == outcome::forbidden);
  CHECK(resolve_static(root, "/a\\..\\b", "").result == outcome::forbidden);
  CHECK(resolve_static(root, "/x%00.html", "").result == outcome::forbidden);
  CHECK(resolve_static(root, "/bad%zz", "").result == outcome::forbidden);
  CHECK(resolve_static(root, "/link.txt", "").result == outcome::forbidden);
  CHECK(resolve_static(root, "relative", "").result == outcome::forbidden);
}
