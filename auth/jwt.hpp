#pragma once
// ID token (JWS compact serialisation) verification with OpenSSL: RS256 and ES256 keys from a
// JWKS document, then the OpenID Connect claim checks (iss, aud, azp, exp, iat, nonce).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace chat::auth {

/// Why a token was refused; also the `reason` of the sign-in error shown to the user.
enum class token_error {
  malformed,        ///< not three base64url JSON parts, or claims of the wrong type
  unsupported_alg,  ///< alg other than RS256/ES256 (never "none" or HMAC)
  unknown_kid,      ///< no key in the provider's JWKS fits
  bad_signature,
  wrong_issuer,
  wrong_audience,  ///< aud does not contain our client id (or azp names another client)
  expired,
  issued_in_future,  ///< iat beyond the allowed clock skew
  nonce_mismatch,
  missing_claim,  ///< sub, iss, aud, exp or iat absent
};
const char* to_string(token_error e) noexcept;

/// One public key from a JWKS, usable for one algorithm.
class public_key {
 public:
  /// From a JWK object (kty RSA with n/e, or kty EC crv P-256 with x/y); nothing if unusable
  /// (private-only, other curves, RSA below 2048 bits, use other than "sig").
  static std::optional<public_key> from_jwk(const nlohmann::json& jwk);
  const std::string& kid() const { return kid_; }
  const std::string& alg() const { return alg_; }  ///< "RS256" or "ES256"
  /// Verifies a JWS signature (raw r||s for ES256) over `signing_input`.
  bool verify(std::string_view signing_input, std::string_view signature) const;

 private:
  std::string kid_, alg_;
  std::shared_ptr<void> pkey_;  // EVP_PKEY, freed with EVP_PKEY_free
};

/// The keys of one JWKS document, by kid.
class key_set {
 public:
  /// Parses a JWKS document; keys that cannot be used are skipped. Nothing if not a JWKS at all.
  static std::optional<key_set> parse(std::string_view jwks_json);
  /// The key for a token header (kid + alg). With no kid, the only key of that algorithm.
  const public_key* find(std::string_view kid, std::string_view alg) const;
  std::size_t size() const { return keys_.size(); }

 private:
  std::multimap<std::string, public_key> keys_;
};

/// A JWS split into its parts, signature not yet checked.
struct jws_parts {
  nlohmann::json header;
  nlohmann::json claims;
  std::string signing_input;  ///< "<b64 header>.<b64 payload>"
  std::string signature;      ///< raw bytes
};
std::optional<jws_parts> split_jws(std::string_view token);

struct id_token_expectations {
  std::string issuer;
  std::string client_id;
  std::string nonce;
  std::int64_t now_s = 0;
  std::int64_t skew_s = 60;
};

/// Checks the claims of an already signature-verified token; nothing when they are all good.
std::optional<token_error> check_id_token_claims(const nlohmann::json& claims,
                                                 const id_token_expectations& want);

/// Signature (against `keys`) and claims. On success, the claims.
struct id_token_result {
  std::optional<token_error> error;
  nlohmann::json claims;
};
id_token_result verify_id_token(std::string_view token, const key_set& keys,
                                const id_token_expectations& want);

}  // namespace chat::auth
