// ID token verification against keys and tokens made here with OpenSSL.
#include <catch2/catch.hpp>

#include "auth/crypto.hpp"
#include "auth/jwt.hpp"
#include "test_signer.hpp"

using namespace chat::auth;
using namespace chat::auth::test;
using nlohmann::json;

namespace {

constexpr std::int64_t now = 1'700'000'000;

json good_claims() {
  return json{{"iss", "https://issuer.test"},
              {"sub", "user-1"},
              {"aud", "chatd"},
              {"exp", now + 300},
              {"iat", now - 10},
              {"nonce", "n-123"}};
}

id_token_expectations want() {
  id_token_expectations w;
  w.issuer = "https://issuer.test";
  w.client_id = "chatd";
  w.nonce = "n-123";
  w.now_s = now;
  return w;
}

const test_key& rsa_key() {
  static const test_key k = test_key::rsa("rsa-1");
  return k;
}
const test_key& ec_key() {
  static const test_key k = test_key::ec("ec-1");
  return k;
}
key_set keys() {
  return *key_set::parse(json{{"keys", {rsa_key().jwk(), ec_key().jwk()}}}.dump());
}

std::optional<token_error> verify(const std::string& token) {
  return verify_id_token(token, keys(), want()).error;
}

}  // namespace

TEST_CASE("RS256 and ES256 ID tokens from the JWKS verify", "[auth][jwt]") {
  REQUIRE(keys().size() == 2);
  auto r = verify_id_token(rsa_key().sign(good_claims()), keys(), want());
  REQUIRE_FALSE(r.error);
  REQUIRE(r.claims["sub"] == "user-1");
  REQUIRE_FALSE(verify(ec_key().sign(good_claims())));
  // aud as an array with azp naming us is fine too.
  auto c = good_claims();
  c["aud"] = {"chatd", "other"};
  c["azp"] = "chatd";
  REQUIRE_FALSE(verify(rsa_key().sign(c)));
}

TEST_CASE("A token for another audience is refused", "[auth][jwt]") {
  auto c = good_claims();
  c["aud"] = "someone-else";
  REQUIRE(verify(rsa_key().sign(c)) == token_error::wrong_audience);
  c["aud"] = {"chatd", "other"};  // several audiences and no azp
  REQUIRE(verify(rsa_key().sign(c)) == token_error::wrong_audience);
  c["azp"] = "other";
  REQUIRE(verify(rsa_key().sign(c)) == token_error::wrong_audience);
}

TEST_CASE("Expired and future-dated tokens are refused, within a small skew", "[auth][jwt]") {
  auto c = good_claims();
  c["exp"] = now - 61;
  REQUIRE(verify(rsa_key().sign(c)) == token_error::expired);
  c["exp"] = now - 30;  // inside the 60 s skew
  REQUIRE_FALSE(verify(rsa_key().sign(c)));
  c = good_claims();
  c["iat"] = now + 120;
  REQUIRE(verify(ec_key().sign(c)) == token_error::issued_in_future);
  c.erase("exp");
  REQUIRE(verify(ec_key().sign(c)) == token_error::missing_claim);
}

TEST_CASE("Bad signatures are refused", "[auth][jwt]") {
  std::string t = rsa_key().sign(good_claims());
  // Another payload under the original signature.
  auto c = good_claims();
  c["sub"] = "admin";
  const std::string forged_payload = base64url_encode(c.dump());
  const auto d1 = t.find('.'), d2 = t.rfind('.');
  const std::string forged = t.substr(0, d1 + 1) + forged_payload + t.substr(d2);
  REQUIRE(verify(forged) == token_error::bad_signature);
  // Signed by a key that claims the JWKS key's kid.
  REQUIRE(verify(test_key::rsa("rsa-1").sign(good_claims())) == token_error::bad_signature);
  REQUIRE(verify(test_key::ec("ec-1").sign(good_claims())) == token_error::bad_signature);
  // A flipped bit in an ES256 signature.
  std::string e = ec_key().sign(good_claims());
  e[e.size() - 5] = e[e.size() - 5] == 'A' ? 'B' : 'A';
  REQUIRE(verify(e) == token_error::bad_signature);
}

TEST_CASE("Unknown kids, foreign algorithms and malformed tokens are refused", "[auth][jwt]") {
  REQUIRE(verify(test_key::rsa("rsa-2").sign(good_claims())) == token_error::unknown_kid);
  // An RS256 header pointing at the EC key's kid does not cross algorithms.
  REQUIRE(verify(rsa_key().sign(good_claims(), json{{"kid", "ec-1"}})) == token_error::unknown_kid);
  const std::string none = base64url_encode(json{{"alg", "none"}}.dump()) + "." +
                           base64url_encode(good_claims().dump()) + ".";
  REQUIRE(verify(none) == token_error::unsupported_alg);
  REQUIRE(verify(rsa_key().sign(good_claims(), json{{"alg", "HS256"}})) ==
          token_error::unsupported_alg);
  REQUIRE(verify("") == token_error::malformed);
  REQUIRE(verify("a.b") == token_error::malformed);
  REQUIRE(verify("a.b.c.d") == token_error::malformed);
  REQUIRE(verify("!!!.???.###") == token_error::malformed);
  REQUIRE(verify(rsa_key().sign(good_claims(), json{{"crit", {"exp"}}})) == token_error::malformed);
}

TEST_CASE("Nonce and issuer must match what the sign-in started with", "[auth][jwt]") {
  auto c = good_claims();
  c["nonce"] = "n-999";
  REQUIRE(verify(rsa_key().sign(c)) == token_error::nonce_mismatch);
  c.erase("nonce");
  REQUIRE(verify(rsa_key().sign(c)) == token_error::nonce_mismatch);
  c = good_claims();
  c["iss"] = "https://evil.test";
  REQUIRE(verify(rsa_key().sign(c)) == token_error::wrong_issuer);
}

TEST_CASE("JWKS parsing skips keys it cannot use", "[auth][jwt]") {
  REQUIRE_FALSE(key_set::parse("not json"));
  REQUIRE_FALSE(key_set::parse("{\"keys\":3}"));
  auto weird = json{{"keys",
                     {json{{"kty", "oct"}, {"k", "AAAA"}}, json{{"kty", "EC"}, {"crv", "P-384"}},
                      json{{"kty", "RSA"}, {"n", "AQAB"}, {"e", "AQAB"}},  // far below 2048 bits
                      rsa_key().jwk()}}};
  auto ks = key_set::parse(weird.dump());
  REQUIRE(ks);
  REQUIRE(ks->size() == 1);
  // An EC point that is not on the curve is refused.
  auto bad = ec_key().jwk();
  bad["y"] = base64url_encode(std::string(32, '\x01'));
  REQUIRE_FALSE(public_key::from_jwk(bad));
}
