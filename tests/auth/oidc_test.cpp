// OpenID Connect sign-in against a real provider process (tests/oidc, npm oidc-provider), and the
// JWKS cache against keys made here.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <random>

#include "auth/jwks_cache.hpp"
#include "auth/service.hpp"
#include "fixture.hpp"
#include "oidc_provider.hpp"
#include "test_signer.hpp"

using namespace chat::auth;
using namespace chat::auth::test;
using nlohmann::json;

namespace {

/// The provider's issuer, or nothing after a WARN (or a FAIL when CHAT_REQUIRE_OIDC=1).
std::optional<std::string> provider_or_skip() {
  auto iss = oidc_issuer();
  if (iss) return iss;
  const char* req = std::getenv("CHAT_REQUIRE_OIDC");
  if (req && std::string(req) == "1")
    FAIL("OpenID provider required: " << oidc_unavailable_reason());
  WARN("skipped, no OpenID provider: " << oidc_unavailable_reason());
  return std::nullopt;
}

std::string fresh_login(const std::string& prefix) {
  std::random_device rd;
  return prefix + std::to_string(rd() % 1000000);
}

/// The value of Set-Cookie `name` among a response's headers, or nothing.
std::optional<std::string> set_cookie(const http_response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k != "Set-Cookie" || v.rfind(name + "=", 0) != 0) continue;
    const auto end = v.find(';');
    return v.substr(name.size() + 1, end - name.size() - 1);
  }
  return std::nullopt;
}

struct oidc_fixture {
  explicit oidc_fixture(const std::string& backend, const std::string& issuer,
                        std::function<std::int64_t()> clock = {}, const std::string& ca = "",
                        bool dev_http = true)
      : f(backend, [&](config& c) {
          c.now_ms = clock;  // the provider's tokens carry real times
          c.allow_http_loopback_issuer = dev_http;
          c.extra_ca_file = ca;
          c.public_base_url = oidc_test_base;
          c.providers.push_back({"rs", "Test RS256", issuer, "chatd-rs", "chatd-rs-secret"});
          c.providers.push_back({"es", "Test ES256", issuer, "chatd-es", "chatd-es-secret"});
          c.providers.push_back({"badsecret", "", issuer, "chatd-rs", "wrong-secret"});
        }) {}

  struct started {
    std::string location, state_cookie;
  };
  started start(const std::string& provider, const std::string& session_cookie = "",
                const std::string& query = "") {
    auto r = f.request("GET", "/auth/oidc/" + provider + "/start" + query, "", session_cookie);
    INFO(r.body);
    for (const auto& l : f.logs()) UNSCOPED_INFO(l);
    REQUIRE(header(r, "Location").rfind("/#", 0) != 0);
    REQUIRE(r.status == 302);
    started s;
    s.location = header(r, "Location");
    s.state_cookie = set_cookie(r, "chatd_oidc_state").value_or("");
    return s;
  }
  /// Our callback target (path + query) from the provider's redirect URL.
  static std::string target_of(const std::string& url) {
    REQUIRE(url.rfind(oidc_test_base, 0) == 0);
    return url.substr(std::string(oidc_test_base).size());
  }
  http_response callback(const std::string& target, const std::string& state_cookie) {
    return f.request("GET", target, "", "chatd_oidc_state=" + state_cookie);
  }
  /// start -> provider login -> our callback, returning the callback's response.
  http_response sign_in(const std::string& provider, const std::string& login) {
    auto s = start(provider);
    auto cb = drive_login(s.location, login);
    REQUIRE(cb);
    return callback(target_of(*cb), s.state_cookie);
  }
  fixture f;
};

void require_refused(const http_response& r, const std::string& code,
                     const std::string& reason = "") {
  INFO(r.status << " " << header(r, "Location"));
  REQUIRE(r.status == 302);
  const std::string loc = header(r, "Location");
  REQUIRE(loc.rfind("/#/sign-in?error=" + code, 0) == 0);
  if (!reason.empty()) REQUIRE(loc.find("reason=" + reason) != std::string::npos);
  REQUIRE_FALSE(set_cookie(r, "chatd_session"));
  REQUIRE_FALSE(set_cookie(r, "chatd_signup"));
}

}  // namespace

TEST_CASE("Configured providers are listed for the sign-in page", "[auth][oidc]") {
  fixture f("sqlite", [](config& c) {
    c.providers.push_back({"google", "", "", "id.apps.googleusercontent.com", "s"});
    c.providers.push_back({"corp", "Corp SSO", "https://sso.example.com", "chatd", "s"});
  });
  auto r = f.request("GET", "/api/providers");
  REQUIRE(r.status == 200);
  auto p = body_json(r)["providers"];
  REQUIRE(p.size() == 2);
  REQUIRE(p[0]["name"] == "google");
  REQUIRE(p[0]["display_name"] == "Google");
  REQUIRE(p[1]["display_name"] == "Corp SSO");
  REQUIRE(f.request("GET", "/auth/oidc/nope/start").status == 404);
}

TEST_CASE("Provider configurations that would be unsafe are refused at start-up", "[auth][oidc]") {
  auto make = [](oidc_provider_config p, bool dev = false) {
    config c;
    c.db_url = "sqlite::memory:";
    c.allow_http_loopback_issuer = dev;
    c.providers.push_back(std::move(p));
    return service::create(std::move(c));
  };
  REQUIRE_FALSE(make({"x", "", "http://idp.example.com", "id", "s"}));
  REQUIRE_FALSE(make({"x", "", "http://idp.example.com", "id", "s"}, true));
  REQUIRE_FALSE(make({"x", "", "http://127.0.0.1:5", "id", "s"}));
  REQUIRE(make({"x", "", "http://127.0.0.1:5", "id", "s"}, true));
  REQUIRE_FALSE(make({"Bad Name", "", "https://idp.example.com", "id", "s"}));
  REQUIRE_FALSE(make({"x", "", "https://idp.example.com", "", "s"}));
}

TEST_CASE("Sign in through a real OpenID provider, choose a username, and keep it next time",
          "[auth][oidc][e2e]") {
  auto issuer = provider_or_skip();
  if (!issuer) return;
  for (const auto& b : backends()) {
    DYNAMIC_SECTION("on " << b) {
      oidc_fixture o(b, *issuer);
      const std::string login = fresh_login("zoe");

      auto s = o.start("rs");
      INFO(s.location);
      REQUIRE(s.location.rfind(*issuer + "/auth?", 0) == 0);
      REQUIRE(s.location.find("code_challenge_method=S256") != std::string::npos);
      REQUIRE(s.location.find("nonce=") != std::string::npos);
      REQUIRE(s.state_cookie.size() == 43);
      auto cb = drive_login(s.location, login);
      REQUIRE(cb);
      auto first = o.callback(oidc_fixture::target_of(*cb), s.state_cookie);
      REQUIRE(first.status == 302);
      REQUIRE(header(first, "Location") == "/#/choose-username");
      REQUIRE_FALSE(set_cookie(first, "chatd_session"));
      const std::string signup = *set_cookie(first, "chatd_signup");
      const std::string signup_cookie = "chatd_signup=" + signup;

      auto info = o.f.request("GET", "/api/choose-username", "", signup_cookie);
      REQUIRE(info.status == 200);
      REQUIRE(body_json(info)["suggested_username"] == login);
      REQUIRE(body_json(info)["provider"] == "rs");
      // Taken and invalid names get clear answers; the ticket survives them.
      o.f.register_user("taken-name");
      auto taken = o.f.post("/api/choose-username", {{"username", "TAKEN-name"}}, signup_cookie);
      REQUIRE(taken.status == 409);
      REQUIRE(body_json(taken)["error"] == "username_taken");
      auto bad = o.f.post("/api/choose-username", {{"username", "x"}}, signup_cookie);
      REQUIRE(body_json(bad)["error"] == "invalid_username");
      const std::string chosen = "Zed" + login;
      auto done = o.f.post("/api/choose-username", {{"username", chosen}}, signup_cookie);
      INFO(done.body);
      REQUIRE(done.status == 201);
      const std::string token = *set_cookie(done, "chatd_session");
      REQUIRE(body_json(o.f.request("GET", "/api/me", "", cookie_of(token)))["user"]["username"] ==
              chosen);
      // The ticket is single use: afterwards there is no pending sign-up (the same 404 as GET).
      auto used = o.f.post("/api/choose-username", {{"username", chosen + "2"}}, signup_cookie);
      REQUIRE(used.status == 404);
      REQUIRE(body_json(used)["error"] == "no_pending_signup");
      auto gone = o.f.request("GET", "/api/choose-username", "", signup_cookie);
      REQUIRE(gone.status == 404);
      REQUIRE(body_json(gone)["error"] == "no_pending_signup");

      REQUIRE(o.f.request("POST", "/api/logout", "", cookie_of(token)).status == 204);
      REQUIRE(o.f.request("GET", "/api/me", "", cookie_of(token)).status == 401);

      // Again: straight in, same username.
      auto again = o.sign_in("rs", login);
      REQUIRE(again.status == 302);
      REQUIRE(header(again, "Location") == "/");
      const std::string t2 = *set_cookie(again, "chatd_session");
      REQUIRE(header(again, "Set-Cookie").find("HttpOnly; SameSite=Lax") != std::string::npos);
      REQUIRE(body_json(o.f.request("GET", "/api/me", "", cookie_of(t2)))["user"]["username"] ==
              chosen);
      // The ES256 client of the same issuer is the same identity, so the same user.
      auto es = o.sign_in("es", login);
      REQUIRE(header(es, "Location") == "/");
      const std::string t3 = *set_cookie(es, "chatd_session");
      REQUIRE(body_json(o.f.request("GET", "/api/me", "", cookie_of(t3)))["user"]["username"] ==
              chosen);
    }
  }
}

TEST_CASE("A signed-in password user links a provider and can then sign in with it",
          "[auth][oidc][e2e]") {
  auto issuer = provider_or_skip();
  if (!issuer) return;
  oidc_fixture o("sqlite", *issuer);
  const std::string token = o.f.register_user("linda");
  const std::string login = fresh_login("linda-ext");
  // Without a session, linking is refused.
  auto anon = o.f.request("GET", "/auth/oidc/rs/start?link=1");
  REQUIRE(header(anon, "Location").rfind("/#/sign-in?error=not_signed_in", 0) == 0);

  auto s = o.start("rs", cookie_of(token), "?link=1");
  auto cb = drive_login(s.location, login);
  REQUIRE(cb);
  auto linked = o.callback(oidc_fixture::target_of(*cb), s.state_cookie);
  REQUIRE(header(linked, "Location") == "/#/account?linked=rs");
  auto in = o.sign_in("rs", login);
  REQUIRE(header(in, "Location") == "/");
  const std::string t = *set_cookie(in, "chatd_session");
  REQUIRE(body_json(o.f.request("GET", "/api/me", "", cookie_of(t)))["user"]["username"] ==
          "linda");
  // Another user cannot take over the same identity.
  const std::string other = o.f.register_user("mallory");
  auto s2 = o.start("rs", cookie_of(other), "?link=1");
  auto cb2 = drive_login(s2.location, login);
  REQUIRE(cb2);
  require_refused(o.callback(oidc_fixture::target_of(*cb2), s2.state_cookie),
                  "oidc_identity_in_use");
}

TEST_CASE("State mismatch, a missing browser binding and replayed codes are refused",
          "[auth][oidc][e2e]") {
  auto issuer = provider_or_skip();
  if (!issuer) return;
  oidc_fixture o("sqlite", *issuer);
  const std::string login = fresh_login("sam");

  // A state we never issued.
  auto s = o.start("rs");
  auto cb = drive_login(s.location, login);
  REQUIRE(cb);
  std::string target = oidc_fixture::target_of(*cb);
  const auto at = target.find("state=") + 6;
  std::string forged = target;
  forged[at] = forged[at] == 'A' ? 'B' : 'A';
  require_refused(o.callback(forged, s.state_cookie), "oidc_state_invalid", "unknown_state");
  // The right state from a browser that did not start the flow (login CSRF).
  auto s2 = o.start("rs");
  auto cb2 = drive_login(s2.location, login);
  REQUIRE(cb2);
  require_refused(o.callback(oidc_fixture::target_of(*cb2), "someone-elses-state"),
                  "oidc_state_invalid", "browser_mismatch");
  // The state was consumed by that attempt: replaying the callback fails on the state...
  require_refused(o.callback(oidc_fixture::target_of(*cb2), s2.state_cookie), "oidc_state_invalid",
                  "unknown_state");

  // ...and a used code under a fresh, valid state is refused by the provider.
  auto s3 = o.start("rs");
  auto cb3 = drive_login(s3.location, login);
  REQUIRE(cb3);
  const std::string t3 = oidc_fixture::target_of(*cb3);
  auto ok = o.callback(t3, s3.state_cookie);
  REQUIRE(ok.status == 302);
  REQUIRE(header(ok, "Location") == "/#/choose-username");
  const std::string code = t3.substr(t3.find("code=") + 5, t3.find('&') - t3.find("code=") - 5);
  auto s4 = o.start("rs");
  const std::string state4 = s4.state_cookie;
  require_refused(o.callback("/auth/oidc/rs/callback?code=" + code + "&state=" + state4, state4),
                  "oidc_exchange_failed", "invalid_grant");
  // A redirect naming another issuer (RFC 9207 mix-up defence).
  auto s6 = o.start("rs");
  auto cb6 = drive_login(s6.location, login);
  REQUIRE(cb6);
  std::string t6 = oidc_fixture::target_of(*cb6);
  REQUIRE(t6.find("&iss=") != std::string::npos);
  t6 = t6.substr(0, t6.find("&iss=")) + "&iss=https%3A%2F%2Fevil.example";
  require_refused(o.callback(t6, s6.state_cookie), "oidc_issuer_mismatch");
  // A code obtained for another flow, delivered with this flow's state: the PKCE verifier does
  // not match that code's challenge, so the provider refuses it (code injection).
  auto mine = o.start("rs");
  auto theirs = o.start("rs");
  auto cb7 = drive_login(theirs.location, login);
  REQUIRE(cb7);
  const std::string t7 = oidc_fixture::target_of(*cb7);
  const std::string code7 =
      t7.substr(t7.find("code=") + 5, t7.find('&', t7.find("code=")) - t7.find("code=") - 5);
  require_refused(o.callback("/auth/oidc/rs/callback?code=" + code7 + "&state=" + mine.state_cookie,
                             mine.state_cookie),
                  "oidc_exchange_failed", "invalid_grant");
  // The provider's own refusal is passed on.
  auto s5 = o.start("rs");
  require_refused(o.callback("/auth/oidc/rs/callback?error=access_denied&state=" + s5.state_cookie,
                             s5.state_cookie),
                  "oidc_provider_error", "access_denied");
  // None of those failures put a code, state or token into the log.
  for (const auto& line : o.f.logs()) {
    INFO(line);
    for (const auto& secret : {code, code7, state4, mine.state_cookie, s.state_cookie}) {
      REQUIRE(line.find(secret) == std::string::npos);
    }
  }
}

TEST_CASE(
    "A wrong client secret, a foreign issuer and an ID token expired by our clock are refused",
    "[auth][oidc][e2e]") {
  auto issuer = provider_or_skip();
  if (!issuer) return;
  {
    oidc_fixture o("sqlite", *issuer);
    require_refused(o.sign_in("badsecret", fresh_login("bea")), "oidc_exchange_failed",
                    "invalid_client");
  }
  {
    // The same server under another name: its discovery document names a different issuer.
    std::string alias = *issuer;
    alias.replace(alias.find("127.0.0.1"), 9, "localhost");
    oidc_fixture o("sqlite", alias);
    require_refused(o.f.request("GET", "/auth/oidc/rs/start"), "oidc_unavailable");
    bool logged = false;
    for (const auto& l : o.f.logs())
      logged = logged || l.find("differs from the configured") != std::string::npos;
    REQUIRE(logged);
  }
  {
    // Our clock two hours ahead: the provider's one-hour ID token has expired.
    oidc_fixture o("sqlite", *issuer, [] {
      return std::chrono::duration_cast<std::chrono::milliseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count() +
             2 * 3600 * 1000;
    });
    require_refused(o.sign_in("rs", fresh_login("eve")), "oidc_token_invalid", "expired");
  }
}

TEST_CASE("An unknown kid refetches the JWKS once, rate limited", "[auth][oidc]") {
  const test_key old_key = test_key::rsa("k1"), new_key = test_key::ec("k2");
  int served = 0;
  jwks_cache cache(
      [&]() -> std::optional<std::string> {
        ++served;
        // The provider rotates between the first and second fetch.
        if (served == 1) return json{{"keys", {old_key.jwk()}}}.dump();
        return json{{"keys", {old_key.jwk(), new_key.jwk()}}}.dump();
      },
      30'000);
  id_token_expectations want{"https://i", "c", "n", 1'700'000'000, 60};
  const json claims{{"iss", "https://i"},     {"sub", "s"},        {"aud", "c"},
                    {"exp", want.now_s + 60}, {"iat", want.now_s}, {"nonce", "n"}};
  std::int64_t now = 1'700'000'000'000;
  REQUIRE_FALSE(cache.verify(old_key.sign(claims), want, now).error);
  REQUIRE(cache.fetches() == 1);
  // Rotated right after our fetch: refused until the refetch interval has passed, then refetched.
  REQUIRE(cache.verify(new_key.sign(claims), want, now + 1000).error == token_error::unknown_kid);
  REQUIRE(cache.fetches() == 1);
  now += 31'000;
  REQUIRE_FALSE(cache.verify(new_key.sign(claims), want, now).error);
  REQUIRE(cache.fetches() == 2);
  // A kid nobody has: refused, and no refetch within 30 s however often it comes.
  const test_key stranger = test_key::rsa("k9");
  for (int i = 0; i < 5; ++i) {
    REQUIRE(cache.verify(stranger.sign(claims), want, now + 2000).error ==
            token_error::unknown_kid);
  }
  REQUIRE(cache.fetches() == 2);
  REQUIRE(cache.verify(stranger.sign(claims), want, now + 40'000).error ==
          token_error::unknown_kid);
  REQUIRE(cache.fetches() == 3);
}

TEST_CASE("Sign-in over HTTPS verifies the provider's certificate and host name",
          "[auth][oidc][e2e]") {
  if (!provider_or_skip()) return;
  auto tls = oidc_tls_issuer();
  REQUIRE(tls);
  const auto& [issuer, ca] = *tls;
  REQUIRE(issuer.rfind("https://localhost:", 0) == 0);
  ::setenv("NODE_EXTRA_CA_CERTS", ca.c_str(), 1);  // for the driver playing the browser
  {
    oidc_fixture o("sqlite", issuer, {}, ca, /*dev_http=*/false);
    auto r = o.sign_in("rs", fresh_login("tess"));
    REQUIRE(header(r, "Location") == "/#/choose-username");
  }
  auto refused = [](oidc_fixture& o, const std::string& why) {
    auto r = o.f.request("GET", "/auth/oidc/rs/start");
    require_refused(r, "oidc_unavailable");
    bool logged = false;
    for (const auto& l : o.f.logs()) logged = logged || l.find(why) != std::string::npos;
    for (const auto& l : o.f.logs()) UNSCOPED_INFO(l);
    REQUIRE(logged);
  };
  {
    // Our CA not trusted: the system store alone does not know it.
    oidc_fixture o("sqlite", issuer, {}, "", false);
    refused(o, "certificate verify failed");
  }
  {
    // Trusted CA, but the certificate names "localhost", not "127.0.0.1".
    std::string by_ip = issuer;
    by_ip.replace(by_ip.find("localhost"), 9, "127.0.0.1");
    oidc_fixture o("sqlite", by_ip, {}, ca, false);
    refused(o, "TLS handshake");
  }
}
