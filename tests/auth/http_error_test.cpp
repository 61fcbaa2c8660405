// The HTTP error table (auth/http_error.hpp) and docs/http-api.md say the same.
#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "auth/http_error.hpp"

using namespace chat::auth;

TEST_CASE("Every HTTP error has one name and a client or server status", "[auth][unit]") {
  std::set<std::string_view> names;
  for (const auto& e : http_errors) {
    INFO(e.name);
    CHECK(names.insert(e.name).second);
    CHECK(http_error_named(e.name) == e.code);
    bool server_side = e.code >= http_error::internal;
    CHECK(e.status / 100 == (server_side ? 5 : 4));
  }
  CHECK_FALSE(http_error_named("no_such_error"));
  CHECK(status_of(http_error::no_pending_signup) == 404);
}

TEST_CASE("An error body names the error and carries the message, escaped", "[auth][unit]") {
  auto j = nlohmann::json::parse(error_body(http_error::username_taken, "say \"hi\"\n\xff"));
  CHECK(j.size() == 2);
  CHECK(j["error"] == "username_taken");
  CHECK(j["message"] == "say \"hi\"\n\xef\xbf\xbd");  // invalid UTF-8 replaced, never passed on
}

TEST_CASE("docs/http-api.md lists exactly the HTTP error table, with the same statuses",
          "[auth][unit]") {
  std::ifstream in(CHAT_HTTP_API_DOC);
  REQUIRE(in);
  std::stringstream text;
  text << in.rdbuf();
  const std::string doc = text.str();
  // Rows of the error table: | 404 | `not_found` | when |
  std::regex row(R"(\n\| (\d{3}) \| `([a-z_]+)` \|)");
  std::map<std::string, int> documented;
  for (auto i = std::sregex_iterator(doc.begin(), doc.end(), row); i != std::sregex_iterator();
       ++i) {
    auto name = (*i)[2].str();
    INFO(name);
    CHECK(documented.emplace(name, std::stoi((*i)[1].str())).second);  // one row each
  }
  for (const auto& e : http_errors) {
    INFO(e.name);
    REQUIRE(documented.count(std::string(e.name)));
    CHECK(documented[std::string(e.name)] == e.status);
  }
  CHECK(documented.size() == http_errors.size());
}
