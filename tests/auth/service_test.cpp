// The auth HTTP endpoints end to end through service::handle(), on SQLite and MySQL.
#include <catch2/catch.hpp>
#include <string>
#include <thread>

#include "fixture.hpp"

using namespace chat::auth;
using namespace chat::auth::test;
using nlohmann::json;

namespace {

constexpr std::int64_t day_ms = 24LL * 3600 * 1000;

void require_error(const http_response& r, int status, const std::string& code) {
  INFO(r.status << " " << r.body);
  REQUIRE(r.status == status);
  auto j = body_json(r);
  REQUIRE(j.value("error", "") == code);
  REQUIRE(j.contains("message"));
  REQUIRE(j["message"].is_string());
}

}  // namespace

TEST_CASE("Registering signs the user in with a hardened session cookie", "[auth]") {
  for (const auto& b : backends()) {
    DYNAMIC_SECTION("on " << b) {
      fixture f(b);
      auto r = f.post("/api/register", {{"username", "Alice"}, {"password", "correct horse"}});
      INFO(r.body);
      REQUIRE(r.status == 201);
      auto j = body_json(r);
      REQUIRE(j["user"]["username"] == "Alice");
      REQUIRE(j["user"]["id"].get<std::int64_t>() > 0);
      REQUIRE_FALSE(j.contains("token"));
      const std::string c = header(r, "Set-Cookie");
      REQUIRE(c.find("HttpOnly") != std::string::npos);
      REQUIRE(c.find("SameSite=Lax") != std::string::npos);
      REQUIRE(c.find("Path=/") != std::string::npos);
      REQUIRE(c.find("Max-Age=2592000") != std::string::npos);
      REQUIRE(c.find("Secure") == std::string::npos);
      auto token = cookie_token(r);
      REQUIRE(token);
      REQUIRE(token->size() == 43);

      auto me = f.request("GET", "/api/me", "", cookie_of(*token));
      REQUIRE(me.status == 200);
      REQUIRE(body_json(me)["user"]["username"] == "Alice");
      auto who = f.svc().authenticate_token(*token);
      REQUIRE(who);
      REQUIRE(who->username == "Alice");
      REQUIRE(who->user == j["user"]["id"].get<std::int64_t>());
    }
  }
}

TEST_CASE("The session cookie is Secure when the request came over TLS", "[auth]") {
  fixture f("sqlite");
  http_request req;
  req.method = "POST";
  req.target = "/api/register";
  req.body = json{{"username", "bob"}, {"password", "correct horse"}}.dump();
  req.remote_ip = "10.0.0.2";
  req.tls = true;
  auto r = f.svc().handle(req);
  REQUIRE(r.status == 201);
  REQUIRE(header(r, "Set-Cookie").find("; Secure") != std::string::npos);
}

TEST_CASE("Login gives a token in the body only when asked, and a cookie always", "[auth]") {
  for (const auto& b : backends()) {
    DYNAMIC_SECTION("on " << b) {
      fixture f(b);
      f.register_user("carol");
      auto r = f.post("/api/login", {{"username", "CAROL"}, {"password", "correct horse"}});
      INFO(r.body);
      REQUIRE(r.status == 200);
      REQUIRE_FALSE(body_json(r).contains("token"));
      REQUIRE(cookie_token(r));
      auto t = f.post("/api/login",
                      {{"username", "carol"}, {"password", "correct horse"}, {"want_token", true}});
      REQUIRE(t.status == 200);
      const std::string token = body_json(t)["token"];
      REQUIRE(token == *cookie_token(t));
      auto me = f.request("GET", "/api/me", "", "", "10.0.0.1", "Bearer " + token);
      REQUIRE(me.status == 200);
      REQUIRE(body_json(me)["user"]["username"] == "carol");
    }
  }
}

TEST_CASE("Wrong password and unknown user get the same 401", "[auth]") {
  for (const auto& b : backends()) {
    DYNAMIC_SECTION("on " << b) {
      fixture f(b);
      f.register_user("dave");
      auto wrong = f.post("/api/login", {{"username", "dave"}, {"password", "incorrect horse"}});
      auto unknown = f.post("/api/login", {{"username", "erin"}, {"password", "incorrect horse"}});
      require_error(wrong, 401, "invalid_credentials");
      require_error(unknown, 401, "invalid_credentials");
      REQUIRE(wrong.body == unknown.body);
      REQUIRE(header(wrong, "Set-Cookie").empty());
    }
  }
}

TEST_CASE("Usernames follow the documented rules", "[auth]") {
  fixture f("sqlite");
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"ab", "too_short"},
      {std::string(33, 'a'), "too_long"},
      {"al ice", "invalid_characters"},
      {"ali\xc3\xa9", "invalid_characters"},
      {"_alice", "must_start_alnum"},
      {".alice", "must_start_alnum"},
      {"Admin", "reserved"},
      {"root", "reserved"},
  };
  for (const auto& [name, reason] : bad) {
    INFO(name);
    auto r = f.post("/api/register", {{"username", name}, {"password", "correct horse"}});
    require_error(r, 400, "invalid_username");
    auto a = f.request("GET", "/api/username?name=" + name);
    REQUIRE(a.status == 200);
    auto j = body_json(a);
    REQUIRE(j["available"] == false);
    REQUIRE(j["reason"] == reason);
  }
  for (const std::string& name :
       std::vector<std::string>{"abc", "a.b-c_d", "0day", std::string(32, 'z')}) {
    INFO(name);
    REQUIRE(f.post("/api/register", {{"username", name}, {"password", "correct horse"}}).status ==
            201);
  }
}

TEST_CASE("Usernames are unique case-insensitively and availability says so", "[auth]") {
  for (const auto& b : backends()) {
    DYNAMIC_SECTION("on " << b) {
      fixture f(b);
      REQUIRE(body_json(f.request("GET", "/api/username?name=Frank"))["available"] == true);
      f.register_user("frank");
      auto again = f.post("/api/register", {{"username", "FRANK"}, {"password", "correct horse"}});
      require_error(again, 409, "username_taken");
      auto a = body_json(f.request("GET", "/api/username?name=Frank"));
      REQUIRE(a["available"] == false);
      REQUIRE(a["reason"] == "taken");
      require_error(f.request("GET", "/api/username"), 400, "bad_request");
    }
  }
}

TEST_CASE("Weak and oversized passwords are refused", "[auth]") {
  fixture f("sqlite");
  require_error(f.post("/api/register", {{"username", "gina"}, {"password", "1234567"}}), 400,
                "weak_password");
  require_error(
      f.post("/api/register", {{"username", "gina"}, {"password", std::string(1025, 'x')}}), 400,
      "weak_password");
  require_error(f.post("/api/register", {{"username", "ginagina"}, {"password", "GINAGINA"}}), 400,
                "weak_password");
  // Eight characters are enough even when they take more bytes; 1024 bytes is the most.
  REQUIRE(f.post("/api/register", {{"username", "gina"},
                                   {"password",
                                    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                                    "abcd"}})
              .status == 201);
  REQUIRE(f.post("/api/register", {{"username", "gino"}, {"password", std::string(1024, 'x')}})
              .status == 201);
  auto ok = f.post("/api/login", {{"username", "gino"}, {"password", std::string(1024, 'x')}});
  REQUIRE(ok.status == 200);
}

TEST_CASE("Logout revokes the session for cookie and bearer use and clears the cookie", "[auth]") {
  for (const auto& b : backends()) {
    DYNAMIC_SECTION("on " << b) {
      fixture f(b);
      const std::string token = f.register_user("hank");
      auto out = f.request("POST", "/api/logout", "", cookie_of(token));
      REQUIRE(out.status == 204);
      REQUIRE(header(out, "Set-Cookie").find("Max-Age=0") != std::string::npos);
      REQUIRE(f.request("GET", "/api/me", "", cookie_of(token)).status == 401);
      REQUIRE(f.request("GET", "/api/me", "", "", "10.0.0.1", "Bearer " + token).status == 401);
      REQUIRE_FALSE(f.svc().authenticate_token(token));

      auto t = f.post("/api/login",
                      {{"username", "hank"}, {"password", "correct horse"}, {"want_token", true}});
      const std::string bearer = body_json(t)["token"];
      REQUIRE(f.request("POST", "/api/logout", "", "", "10.0.0.1", "Bearer " + bearer).status ==
              204);
      REQUIRE_FALSE(f.svc().authenticate_token(bearer));
      // Logging out without a session is harmless.
      REQUIRE(f.request("POST", "/api/logout").status == 204);
    }
  }
}

TEST_CASE("Expired sessions are refused and active ones slide forward", "[auth]") {
  for (const auto& b : backends()) {
    DYNAMIC_SECTION("on " << b) {
      fixture f(b, [](config& c) { c.session_ttl = std::chrono::hours(24 * 10); });
      const std::string idle = f.register_user("ivan");
      const std::string active = f.register_user("ivy");
      // Day 3: the active session is used and renewed (a tenth of its life has passed).
      f.now += 3 * day_ms;
      auto me = f.request("GET", "/api/me", "", cookie_of(active));
      REQUIRE(me.status == 200);
      REQUIRE(header(me, "Set-Cookie").find("Max-Age=864000") != std::string::npos);
      // Right after, no renewal is needed: no cookie is re-sent.
      REQUIRE(header(f.request("GET", "/api/me", "", cookie_of(active)), "Set-Cookie").empty());
      // Day 11: the idle one has expired, the renewed one lives until day 13.
      f.now += 8 * day_ms;
      REQUIRE(f.request("GET", "/api/me", "", cookie_of(idle)).status == 401);
      REQUIRE_FALSE(f.svc().authenticate_token(idle));
      REQUIRE(f.request("GET", "/api/me", "", cookie_of(active)).status == 200);
      f.now += 11 * day_ms;
      REQUIRE(f.request("GET", "/api/me", "", cookie_of(active)).status == 401);
    }
  }
}

TEST_CASE("Malformed tokens and cookies are refused", "[auth]") {
  fixture f("sqlite");
  f.register_user("jack");
  REQUIRE(f.request("GET", "/api/me").status == 401);
  REQUIRE(f.request("GET", "/api/me", "", "chatd_session=").status == 401);
  REQUIRE(f.request("GET", "/api/me", "", "chatd_session=../../etc").status == 401);
  REQUIRE(f.request("GET", "/api/me", "", cookie_of(std::string(43, 'A'))).status == 401);
  REQUIRE(f.request("GET", "/api/me", "", "", "10.0.0.1", "Basic abc").status == 401);
  REQUIRE_FALSE(f.svc().authenticate_token(""));
  REQUIRE_FALSE(f.svc().authenticate_token(std::string(10000, 'x')));
}

TEST_CASE("Bodies of the wrong shape get 400 with error and message", "[auth]") {
  fixture f("sqlite");
  require_error(f.request("POST", "/api/login", "not json"), 400, "bad_request");
  require_error(f.request("POST", "/api/login", "[1,2]"), 400, "bad_request");
  require_error(f.request("POST", "/api/login", ""), 400, "bad_request");
  require_error(f.post("/api/login", {{"username", 5}, {"password", "x"}}), 400, "bad_request");
  require_error(f.post("/api/login", {{"username", "kim"}}), 400, "bad_request");
  require_error(f.post("/api/login",
                       {{"username", "kim"}, {"password", "correct horse"}, {"want_token", "yes"}}),
                400, "bad_request");
  require_error(f.post("/api/register", {{"username", nullptr}, {"password", "correct horse"}}),
                400, "bad_request");
  require_error(f.request("POST", "/api/register", std::string(100, '[') + std::string(100, ']')),
                400, "bad_request");
  require_error(f.request("POST", "/api/register", std::string(20000, ' ')), 413, "body_too_large");
  http_request form;
  form.method = "POST";
  form.target = "/api/login";
  form.content_type = "application/x-www-form-urlencoded";
  form.body = "username=kim&password=x";
  require_error(f.svc().handle(form), 415, "unsupported_media_type");
  // Only application/json itself (with parameters) counts as JSON.
  form.content_type = "application/jsonp";
  form.body = R"({"username":"kim","password":"correct horse"})";
  require_error(f.svc().handle(form), 415, "unsupported_media_type");
  form.content_type = "application/json; charset=utf-8";
  require_error(f.svc().handle(form), 401, "invalid_credentials");
  // Logout obeys the same rule: a cross-site text/plain form cannot sign anyone out.
  auto token = f.register_user("kim2");
  http_request logout;
  logout.method = "POST";
  logout.target = "/api/logout";
  logout.cookie = cookie_of(token);
  logout.content_type = "text/plain";
  require_error(f.svc().handle(logout), 415, "unsupported_media_type");
  REQUIRE(f.svc().authenticate_token(token));
  auto m = f.request("GET", "/api/login");
  require_error(m, 405, "method_not_allowed");
  REQUIRE(header(m, "Allow") == "POST");
  require_error(f.request("GET", "/api/nothing-here"), 404, "not_found");
  REQUIRE(f.svc().handles("/api/me"));
  REQUIRE(f.svc().handles("/auth/oidc/google/start?x=1"));
  REQUIRE_FALSE(f.svc().handles("/ws"));
  REQUIRE_FALSE(f.svc().handles("/apix"));
}

TEST_CASE("Login is rate limited per username and per IP", "[auth]") {
  for (const auto& b : backends()) {
    DYNAMIC_SECTION("on " << b) {
      fixture f(b, [](config& c) {
        c.login_per_username = {3, 60};  // one a second after the burst
        c.login_per_ip = {5, 60};
      });
      f.register_user("lena");
      const json bad{{"username", "lena"}, {"password", "wrong password"}};
      for (int i = 0; i < 3; ++i) REQUIRE(f.post("/api/login", bad, "", "10.0.0.7").status == 401);
      // Even the right password is refused now, from another IP too: the username is throttled.
      const json good{{"username", "LENA"}, {"password", "correct horse"}};
      auto limited = f.post("/api/login", good, "", "10.0.0.8");
      require_error(limited, 429, "rate_limited");
      REQUIRE(std::stoi(header(limited, "Retry-After")) >= 1);
      // Same IP, other usernames: two more attempts fit in the IP bucket, then 429.
      REQUIRE(f.post("/api/login", {{"username", "x1y"}, {"password", "whatever1"}}, "", "10.0.0.7")
                  .status == 401);
      REQUIRE(f.post("/api/login", {{"username", "x2y"}, {"password", "whatever1"}}, "", "10.0.0.7")
                  .status == 401);
      require_error(
          f.post("/api/login", {{"username", "x3y"}, {"password", "whatever1"}}, "", "10.0.0.7"),
          429, "rate_limited");
      f.now += 2000;
      REQUIRE(f.post("/api/login", good, "", "10.0.0.9").status == 200);
    }
  }
}

TEST_CASE("Registration and username lookups are rate limited per IP", "[auth]") {
  fixture f("sqlite", [](config& c) {
    c.register_per_ip = {2, 1};
    c.lookup_per_ip = {3, 1};
  });
  f.register_user("mia");
  f.register_user("max");
  require_error(f.post("/api/register", {{"username", "moe"}, {"password", "correct horse"}}), 429,
                "rate_limited");
  REQUIRE(
      f.post("/api/register", {{"username", "moe"}, {"password", "correct horse"}}, "", "10.9.9.9")
          .status == 201);
  for (int i = 0; i < 3; ++i) REQUIRE(f.request("GET", "/api/username?name=zed").status == 200);
  require_error(f.request("GET", "/api/username?name=zed"), 429, "rate_limited");
}

TEST_CASE("A user lists their sessions and revokes one by its public id", "[auth]") {
  for (const auto& b : backends()) {
    DYNAMIC_SECTION("on " << b) {
      fixture f(b);
      const std::string first = f.register_user("nora");
      auto l = f.post("/api/login", {{"username", "nora"}, {"password", "correct horse"}});
      const std::string second = *cookie_token(l);
      const std::string other = f.register_user("otto");

      auto list = f.request("GET", "/api/sessions", "", cookie_of(second));
      INFO(list.body);
      REQUIRE(list.status == 200);
      auto sessions = body_json(list)["sessions"];
      REQUIRE(sessions.size() == 2);
      std::string first_id;
      int current = 0;
      for (const auto& s : sessions) {
        REQUIRE(s["id"].get<std::string>().size() == 16);
        REQUIRE(s["user_agent"] == "auth_tests");
        REQUIRE(list.body.find(first) == std::string::npos);  // no token in the listing
        if (s["current"] == true)
          ++current;
        else
          first_id = s["id"];
      }
      REQUIRE(current == 1);

      // Someone else cannot revoke it.
      require_error(f.request("DELETE", "/api/sessions/" + first_id, "", cookie_of(other)), 404,
                    "not_found");
      REQUIRE(f.svc().authenticate_token(first));
      REQUIRE(f.request("DELETE", "/api/sessions/" + first_id, "", cookie_of(second)).status ==
              204);
      REQUIRE_FALSE(f.svc().authenticate_token(first));
      REQUIRE(f.svc().authenticate_token(second));
      require_error(f.request("DELETE", "/api/sessions/0123456789abcdef", "", cookie_of(second)),
                    404, "not_found");
      require_error(f.request("GET", "/api/sessions"), 401, "unauthenticated");
    }
  }
}

TEST_CASE("Logs never contain passwords or tokens", "[auth]") {
  fixture f("sqlite");
  const std::string token = f.register_user("pia", "secret-password-1");
  (void)f.post("/api/login", {{"username", "pia"}, {"password", "secret-password-2"}});
  (void)f.post("/api/login", {{"username", "nobody1"}, {"password", "secret-password-3"}});
  (void)f.request("POST", "/api/logout", "", cookie_of(token));
  const auto logs = f.logs();
  REQUIRE_FALSE(logs.empty());
  for (const auto& line : logs) {
    INFO(line);
    REQUIRE(line.find("secret-password") == std::string::npos);
    REQUIRE(line.find(token) == std::string::npos);
  }
}

TEST_CASE("Concurrent logins from several threads share the connection pool", "[auth]") {
  for (const auto& b : backends()) {
    DYNAMIC_SECTION("on " << b) {
      fixture f(b, [](config& c) {
        c.login_per_ip = {1000, 1000};
        c.login_per_username = {1000, 1000};
      });
      f.register_user("quinn");
      std::atomic<int> ok{0};
      std::vector<std::thread> threads;
      for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
          for (int i = 0; i < 5; ++i) {
            auto r = f.post("/api/login", {{"username", "quinn"}, {"password", "correct horse"}});
            if (r.status == 200 && f.svc().authenticate_token(*cookie_token(r))) ++ok;
          }
        });
      }
      for (auto& t : threads) t.join();
      REQUIRE(ok == 20);
    }
  }
}
