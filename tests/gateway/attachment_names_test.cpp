// File names of attachments: what is stored (clean_file_name) and what a download says
// (content_disposition), with names that try to break out of the header or the directory.
#include <catch2/catch.hpp>

#include "gateway/attachments.hpp"

using namespace chat::gateway;

TEST_CASE("A stored file name has no control characters, slashes or trailing dots",
          "[gateway][unit]") {
  CHECK(clean_file_name("photo.png") == "photo.png");
  CHECK(clean_file_name("../../etc/passwd") == "....etcpasswd");
  CHECK(clean_file_name("a\r\nSet-Cookie: x=1") == "aSet-Cookie: x=1");
  CHECK(clean_file_name("C:\\temp\\x.txt") == "C:tempx.txt");
  CHECK(clean_file_name("  name.  ") == "name");
  CHECK(clean_file_name("") == "file");
  CHECK(clean_file_name("...") == "file");
  CHECK(clean_file_name("東京.png") == "東京.png");
  CHECK_FALSE(clean_file_name("bad \xff utf-8").has_value());
  // Cut to 255 bytes at a character boundary, never inside one.
  std::string many;
  for (int i = 0; i < 100; ++i) many += "東";  // 3 bytes each
  auto cut = clean_file_name(many);
  REQUIRE(cut);
  CHECK(cut->size() == 255);
  CHECK(*cut == many.substr(0, 255));
}

TEST_CASE("Content-Disposition keeps the name, safely quoted, and in UTF-8 for browsers",
          "[gateway][unit]") {
  CHECK(content_disposition("notes.txt", false) ==
        "attachment; filename=\"notes.txt\"; filename*=UTF-8''notes.txt");
  CHECK(content_disposition("photo 東京.png", true) ==
        "inline; filename=\"photo ______.png\"; filename*=UTF-8''photo%20%E6%9D%B1%E4%BA%AC.png");
  // Quotes, backslashes, semicolons and percent signs cannot end the value or add parameters.
  auto h = content_disposition("a\"; filename=evil.exe;\\%.txt", false);
  CHECK(h ==
        "attachment; filename=\"a__ filename=evil.exe___.txt\"; "
        "filename*=UTF-8''a%22%3B%20filename%3Devil.exe%3B%5C%25.txt");
  CHECK(h.find('\r') == std::string::npos);
  CHECK(h.find('\n') == std::string::npos);
}
