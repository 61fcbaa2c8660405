// Session checks while the database is gone or frozen: "cannot check" must never read as "signed
// out" (MariaDB behind a proxy the test cuts or freezes).
#include <catch2/catch.hpp>
#include <chrono>

#include "fixture.hpp"
#include "tests/support/tcp_proxy.hpp"

using namespace chat::auth;
using namespace chat::auth::test;
using chat::test_support::tcp_proxy;

namespace {

void require_unavailable(const http_response& r) {
  INFO(r.status << " " << r.body);
  REQUIRE(r.status == 503);
  REQUIRE(body_json(r).value("error", "") == "unavailable");
  REQUIRE(header(r, "Retry-After") == "1");
}

}  // namespace

TEST_CASE("A session check that cannot reach the database answers unavailable, not signed out",
          "[auth][mysql]") {
  if (!chat::test_support::mysql_enabled("skipped (needs MariaDB behind a proxy it can cut)"))
    return;
  tcp_proxy proxy{std::string(chat::test_support::mysql_url())};
  fixture f("mysql", [&](config& c) { c.db_url = proxy.url_through(c.db_url); });
  auto token = f.register_user("olive");
  REQUIRE(f.svc().authenticate_token(token));

  proxy.down();
  auto check = f.svc().authenticate_token(token);
  REQUIRE_FALSE(check);
  REQUIRE(check.unavailable());
  require_unavailable(f.request("GET", "/api/me", "", cookie_of(token)));
  require_unavailable(f.request("GET", "/api/sessions", "", cookie_of(token)));
  http_request upgrade;
  upgrade.cookie = cookie_of(token);
  REQUIRE(f.svc().authenticate(upgrade).unavailable());
  REQUIRE(f.svc().unavailable_total() >= 4);
  // Every fault counted, but the log says it once (rate limited), not once per request.
  int lines = 0;
  for (const auto& l : f.logs()) lines += l.starts_with("unavailable: auth") ? 1 : 0;
  REQUIRE(lines >= 1);
  REQUIRE(lines <= 3);  // one per source: authenticate, me, sessions

  proxy.up();
  REQUIRE(f.svc().authenticate_token(token));
  REQUIRE(f.request("GET", "/api/me", "", cookie_of(token)).status == 200);
  // An unknown token is still plainly invalid.
  auto unknown = f.svc().authenticate_token(std::string(43, 'A'));
  REQUIRE_FALSE(unknown);
  REQUIRE_FALSE(unknown.unavailable());
}

TEST_CASE("A frozen database answers session checks unavailable in bounded time", "[auth][mysql]") {
  if (!chat::test_support::mysql_enabled("skipped (needs MariaDB behind a proxy it can freeze)"))
    return;
  tcp_proxy proxy{std::string(chat::test_support::mysql_url())};
  fixture f("mysql", [&](config& c) { c.db_url = proxy.url_through(c.db_url); });
  auto token = f.register_user("frida");
  proxy.freeze();
  auto t0 = std::chrono::steady_clock::now();
  auto check = f.svc().authenticate_token(token);
  auto waited = std::chrono::steady_clock::now() - t0;
  REQUIRE(check.unavailable());
  // The database read timeout (docs/operations.md) bounds it; a loaded machine adds a little.
  REQUIRE(waited < std::chrono::seconds(12));
  proxy.thaw();
  REQUIRE(f.svc().authenticate_token(token));
}
