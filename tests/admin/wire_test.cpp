#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "admin/token.hpp"
#include "admin/wire.hpp"

using namespace chat::admin;

TEST_CASE("Admin requests parse, and bad ones become error lines", "[admin]") {
  auto p = parse_request(R"({"cmd":"log","args":{"conversation":3},"token":"t"})");
  REQUIRE(p.req);
  CHECK(p.req->cmd == "log");
  CHECK(p.req->args["conversation"] == 3);
  CHECK(p.req->token == "t");
  for (const char* bad : {"", "[]", "{", R"({"args":{}})", R"({"cmd":""})",
                          R"({"cmd":"x","args":[1]})", R"({"cmd":7})"}) {
    auto b = parse_request(bad);
    CHECK_FALSE(b.req);
    auto j = json::parse(b.error);
    CHECK(j["ok"] == false);
    CHECK(j["error"]["code"] == "bad_request");
  }
  CHECK_FALSE(parse_request(std::string(max_request_bytes + 1, ' ')).req);
}

TEST_CASE("Request and answer lines round-trip and never hold a newline", "[admin]") {
  request r{"user.disable", {{"user", "a\nb"}}, "tok"};
  auto line = request_line(r);
  CHECK(line.find('\n') == std::string::npos);
  auto back = parse_request(line);
  REQUIRE(back.req);
  CHECK(back.req->args["user"] == "a\nb");
  CHECK(json::parse(ok_line({{"x", 1}}))["result"]["x"] == 1);
  CHECK(json::parse(item_line("\xff"))["item"].is_string());  // bad UTF-8 is replaced
}

TEST_CASE("Argument helpers check type and range", "[admin]") {
  json a{{"n", 5}, {"s", "x"}, {"f", 1.5}};
  CHECK(arg_int(a, "n", 1, 10) == 5);
  CHECK(arg_int(a, "missing", 1, 10, 7) == 7);
  CHECK_THROWS_AS(arg_int(a, "n", 6, 10), bad_argument);
  CHECK_THROWS_AS(arg_int(a, "f", 0, 10), bad_argument);
  CHECK_THROWS_AS(arg_int(a, "s", 0, 10), bad_argument);
  CHECK_THROWS_AS(arg_int(a, "missing", 0, 10), bad_argument);
  CHECK(arg_string(a, "s") == "x");
  CHECK_THROWS_AS(arg_string(a, "n"), bad_argument);
}

TEST_CASE("The token file is created 0600 once and read back; a loose one is refused", "[admin]") {
  auto dir =
      std::filesystem::temp_directory_path() / ("chatd-admin-token-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto path = (dir / "token").string();
  std::filesystem::remove(path);
  auto t1 = load_or_create_token(path);
  REQUIRE(t1);
  CHECK(t1->size() == 64);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto t2 = load_or_create_token(path);
  REQUIRE(t2);
  CHECK(*t2 == *t1);
  CHECK(token_equal(*t1, *t2));
  CHECK_FALSE(token_equal(*t1, std::string(64, '0')));
  CHECK_FALSE(token_equal(*t1, ""));
  CHECK_FALSE(token_equal("", ""));
  ::chmod(path.c_str(), 0644);
  CHECK_FALSE(read_token(path));
  CHECK_FALSE(read_token((dir / "missing").string()));
  std::filesystem::remove_all(dir);
}
