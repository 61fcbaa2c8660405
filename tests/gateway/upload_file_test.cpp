// upload_file and blob_store::place: the temporary file an upload streams into is bounded,
// hashed while written, removed on every path that does not place it, and placed by rename.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "gateway/blob_store.hpp"
#include "gateway/upload_file.hpp"
#include "tests/support/scratch_database.hpp"

using chat::gateway::blob_store;
using chat::gateway::upload_file;
namespace fs = std::filesystem;

namespace {

struct store_dir {
  fs::path root = fs::temp_directory_path() / ("upload_test_" + chat::test_support::random_hex(12));
  blob_store blobs{root.string()};
  store_dir() {
    std::string msg;
    REQUIRE(blobs.prepare(msg));
  }
  ~store_dir() { fs::remove_all(root); }
  std::size_t tmp_files() const {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(root / "tmp"), {}));
  }
};

upload_file open_file(const store_dir& d, std::size_t max) {
  auto f = upload_file::open(d.blobs.tmp_dir(), max);
  REQUIRE(std::holds_alternative<upload_file>(f));
  return std::move(std::get<upload_file>(f));
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("An upload file hashes what it is given, piece by piece, and is placed by rename",
          "[gateway][upload]") {
  store_dir d;
  auto f = open_file(d, 100);
  CHECK_FALSE(f.append("hello "));
  CHECK_FALSE(f.append("world"));
  CHECK(f.size() == 11);
  CHECK_FALSE(f.finish());
  CHECK(f.sha256() == chat::gateway::sha256_hex("hello world"));
  const std::string tmp = f.path();
  CHECK(fs::exists(tmp));
  CHECK_FALSE(d.blobs.place(f));
  CHECK_FALSE(fs::exists(tmp));
  CHECK(read_all(d.blobs.path_of(f.sha256())) == "hello world");
  CHECK(d.tmp_files() == 0);

  // The same bytes again: the stored file stays, the new copy goes with its object.
  {
    auto again = open_file(d, 100);
    CHECK_FALSE(again.append("hello world"));
    CHECK_FALSE(again.finish());
    CHECK_FALSE(d.blobs.place(again));
  }
  CHECK(d.tmp_files() == 0);
  CHECK(d.blobs.remove(f.sha256()));
  CHECK_FALSE(fs::exists(d.blobs.path_of(f.sha256())));
  CHECK(d.blobs.remove(f.sha256()));  // already gone is fine
}

TEST_CASE("An upload file refuses bytes past its limit and is removed when dropped",
          "[gateway][upload]") {
  store_dir d;
  {
    auto f = open_file(d, 10);
    CHECK_FALSE(f.append("0123456789"));
    auto over = f.append("x");
    REQUIRE(over);
    CHECK(over->what == blob_store::failure::too_large);
    CHECK(f.size() == 10);
    CHECK(fs::file_size(f.path()) == 10);
    CHECK(d.tmp_files() == 1);
  }
  CHECK(d.tmp_files() == 0);  // never finished: gone with its object
  {
    auto f = open_file(d, 10);
    CHECK_FALSE(f.append("abc"));
    CHECK_FALSE(f.finish());
    upload_file moved = std::move(f);
    CHECK(d.tmp_files() == 1);
  }
  CHECK(d.tmp_files() == 0);  // finished but never placed: gone too
}

TEST_CASE("Preparing the store empties what a crash left in tmp/", "[gateway][upload]") {
  store_dir d;
  std::ofstream(d.root / "tmp" / "leftover") << "half an upload";
  std::string msg;
  REQUIRE(d.blobs.prepare(msg));
  CHECK(d.tmp_files() == 0);
}
