#include "auth/jwt.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include "auth/crypto.hpp"

namespace chat::auth {
namespace {

using json = nlohmann::json;

template <class T, void (*F)(T*)>
struct deleter {
  void operator()(T* p) const { F(p); }
};
using bn_ptr = std::unique_ptr<BIGNUM, deleter<BIGNUM, BN_free>>;
using bld_ptr = std::unique_ptr<OSSL_PARAM_BLD, deleter<OSSL_PARAM_BLD, OSSL_PARAM_BLD_free>>;
using params_ptr = std::unique_ptr<OSSL_PARAM, deleter<OSSL_PARAM, OSSL_PARAM_free>>;
using pctx_ptr = std::unique_ptr<EVP_PKEY_CTX, deleter<EVP_PKEY_CTX, EVP_PKEY_CTX_free>>;
using mdctx_ptr = std::unique_ptr<EVP_MD_CTX, deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using sig_ptr = std::unique_ptr<ECDSA_SIG, deleter<ECDSA_SIG, ECDSA_SIG_free>>;

std::optional<std::string> b64_field(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return base64url_decode(it->get_ref<const std::string&>());
}

bn_ptr to_bn(const std::string& bytes) {
  return bn_ptr(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), int(bytes.size()), nullptr));
}

EVP_PKEY* from_params(const char* type, OSSL_PARAM_BLD* bld) {
  params_ptr params(OSSL_PARAM_BLD_to_param(bld));
  pctx_ptr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* pkey = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0) {
    return nullptr;
  }
  return pkey;
}

EVP_PKEY* rsa_key(const json& jwk) {
  auto n = b64_field(jwk, "n"), e = b64_field(jwk, "e");
  if (!n || !e || n->empty() || e->empty()) return nullptr;
  bn_ptr bn_n = to_bn(*n), bn_e = to_bn(*e);
  if (!bn_n || !bn_e || BN_num_bits(bn_n.get()) < 2048) return nullptr;
  bld_ptr bld(OSSL_PARAM_BLD_new());
  if (!bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get())) {
    return nullptr;
  }
  return from_params("RSA", bld.get());
}

EVP_PKEY* ec_key(const json& jwk) {
  if (jwk.value("crv", "") != "P-256") return nullptr;
  auto x = b64_field(jwk, "x"), y = b64_field(jwk, "y");
  if (!x || !y || x->size() != 32 || y->size() != 32) return nullptr;
  std::string point = "\x04" + *x + *y;  // uncompressed SEC1 point
  bld_ptr bld(OSSL_PARAM_BLD_new());
  char group[] = "prime256v1";
  if (!bld || !OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
      !OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                        point.size())) {
    return nullptr;
  }
  // fromdata checks the point lies on the curve (an invalid-curve key is refused here).
  return from_params("EC", bld.get());
}

/// JWS ES256 signatures are r||s (32 bytes each); OpenSSL verifies DER.
std::optional<std::string> es256_to_der(std::string_view raw) {
  if (raw.size() != 64) return std::nullopt;
  sig_ptr sig(ECDSA_SIG_new());
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
  if (!sig || !r || !s || !ECDSA_SIG_set0(sig.get(), r, s)) {
    BN_free(r);
    BN_free(s);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig.get(), &der);
  if (len <= 0) return std::nullopt;
  std::string out(reinterpret_cast<char*>(der), std::size_t(len));
  OPENSSL_free(der);
  return out;
}

std::optional<std::int64_t> int_claim(const json& claims, const char* key) {
  const auto it = claims.find(key);
  if (it == claims.end()) return std::nullopt;
  if (it->is_number_integer()) return it->get<std::int64_t>();
  if (it->is_number_float()) return std::int64_t(it->get<double>());
  return std::nullopt;
}

}  // namespace

const char* to_string(token_error e) noexcept {
  switch (e) {
    case token_error::malformed:
      return "malformed";
    case token_error::unsupported_alg:
      return "unsupported_alg";
    case token_error::unknown_kid:
      return "unknown_kid";
    case token_error::bad_signature:
      return "bad_signature";
    case token_error::wrong_issuer:
      return "wrong_issuer";
    case token_error::wrong_audience:
      return "wrong_audience";
    case token_error::expired:
      return "expired";
    case token_error::issued_in_future:
      return "issued_in_future";
    case token_error::nonce_mismatch:
      return "nonce_mismatch";
    case token_error::missing_claim:
      return "missing_claim";
  }
  return "unknown";
}

std::optional<public_key> public_key::from_jwk(const json& jwk) {
  if (!jwk.is_object()) return std::nullopt;
  if (jwk.contains("use") && jwk.value("use", "") != "sig") return std::nullopt;
  const std::string kty = jwk.value("kty", "");
  const std::string alg = jwk.value("alg", "");
  public_key k;
  EVP_PKEY* pkey = nullptr;
  if (kty == "RSA" && (alg.empty() || alg == "RS256")) {
    pkey = rsa_key(jwk);
    k.alg_ = "RS256";
  } else if (kty == "EC" && (alg.empty() || alg == "ES256")) {
    pkey = ec_key(jwk);
    k.alg_ = "ES256";
  }
  if (!pkey) return std::nullopt;
  k.pkey_ = std::shared_ptr<void>(pkey, [](void* p) { EVP_PKEY_free(static_cast<EVP_PKEY*>(p)); });
  k.kid_ = jwk.value("kid", "");
  return k;
}

bool public_key::verify(std::string_view signing_input, std::string_view signature) const {
  auto* pkey = static_cast<EVP_PKEY*>(pkey_.get());
  std::string der;
  if (alg_ == "ES256") {
    auto d = es256_to_der(signature);
    if (!d) return false;
    der = std::move(*d);
    signature = der;
  }
  mdctx_ptr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey) != 1) {
    return false;
  }
  return EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(),
                          reinterpret_cast<const unsigned char*>(signing_input.data()),
                          signing_input.size()) == 1;
}

std::optional<key_set> key_set::parse(std::string_view jwks_json) {
  const json j = json::parse(jwks_json, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("keys") || !j["keys"].is_array()) {
    return std::nullopt;
  }
  key_set ks;
  for (const auto& jwk : j["keys"]) {
    if (auto k = public_key::from_jwk(jwk)) ks.keys_.emplace(k->kid(), std::move(*k));
  }
  return ks;
}

const public_key* key_set::find(std::string_view kid, std::string_view alg) const {
  if (!kid.empty()) {
    auto [lo, hi] = keys_.equal_range(std::string(kid));
    for (auto it = lo; it != hi; ++it) {
      if (it->second.alg() == alg) return &it->second;
    }
    return nullptr;
  }
  const public_key* only = nullptr;
  for (const auto& [k, key] : keys_) {
    if (key.alg() != alg) continue;
    if (only) return nullptr;  // ambiguous without a kid
    only = &key;
  }
  return only;
}

std::optional<jws_parts> split_jws(std::string_view token) {
  if (token.size() > 16 * 1024) return std::nullopt;
  const auto d1 = token.find('.');
  if (d1 == std::string_view::npos) return std::nullopt;
  const auto d2 = token.find('.', d1 + 1);
  if (d2 == std::string_view::npos || token.find('.', d2 + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  auto h = base64url_decode(token.substr(0, d1));
  auto p = base64url_decode(token.substr(d1 + 1, d2 - d1 - 1));
  auto s = base64url_decode(token.substr(d2 + 1));
  if (!h || !p || !s) return std::nullopt;
  jws_parts parts;
  parts.header = json::parse(*h, nullptr, false);
  parts.claims = json::parse(*p, nullptr, false);
  if (parts.header.is_discarded() || !parts.header.is_object() || parts.claims.is_discarded() ||
      !parts.claims.is_object()) {
    return std::nullopt;
  }
  parts.signing_input = std::string(token.substr(0, d2));
  parts.signature = std::move(*s);
  return parts;
}

std::optional<token_error> check_id_token_claims(const json& claims,
                                                 const id_token_expectations& want) {
  const auto iss = claims.find("iss");
  const auto sub = claims.find("sub");
  const auto aud = claims.find("aud");
  if (iss == claims.end() || sub == claims.end() || aud == claims.end()) {
    return token_error::missing_claim;
  }
  if (!iss->is_string() || !sub->is_string() || sub->get_ref<const std::string&>().empty()) {
    return token_error::malformed;
  }
  if (*iss != want.issuer) return token_error::wrong_issuer;
  // aud: our client id, as the string or within the array; with several audiences azp must be us.
  bool ours = false;
  std::size_t count = 0;
  if (aud->is_string()) {
    ours = *aud == want.client_id;
    count = 1;
  } else if (aud->is_array()) {
    for (const auto& a : *aud) {
      if (!a.is_string()) return token_error::malformed;
      ours = ours || a == want.client_id;
      ++count;
    }
  } else {
    return token_error::malformed;
  }
  if (!ours) return token_error::wrong_audience;
  if (const auto azp = claims.find("azp"); azp != claims.end()) {
    if (!azp->is_string() || *azp != want.client_id) return token_error::wrong_audience;
  } else if (count > 1) {
    return token_error::wrong_audience;
  }
  const auto exp = int_claim(claims, "exp");
  const auto iat = int_claim(claims, "iat");
  if (!exp || !iat) return token_error::missing_claim;
  if (*exp + want.skew_s <= want.now_s) return token_error::expired;
  if (*iat - want.skew_s > want.now_s) return token_error::issued_in_future;
  const auto nonce = claims.find("nonce");
  if (nonce == claims.end() || !nonce->is_string() ||
      !constant_time_equal(nonce->get_ref<const std::string&>(), want.nonce)) {
    return token_error::nonce_mismatch;
  }
  return std::nullopt;
}

id_token_result verify_id_token(std::string_view token, const key_set& keys,
                                const id_token_expectations& want) {
  id_token_result r;
  auto parts = split_jws(token);
  if (!parts) {
    r.error = token_error::malformed;
    return r;
  }
  const std::string alg = parts->header.value("alg", "");
  if (alg != "RS256" && alg != "ES256") {
    r.error = token_error::unsupported_alg;
    return r;
  }
  const auto kid_it = parts->header.find("kid");
  std::string kid;
  if (kid_it != parts->header.end()) {
    if (!kid_it->is_string()) {
      r.error = token_error::malformed;
      return r;
    }
    kid = *kid_it;
  }
  if (parts->header.contains("crit")) {  // no extensions understood: RFC 7515 says refuse
    r.error = token_error::malformed;
    return r;
  }
  const public_key* key = keys.find(kid, alg);
  if (!key) {
    r.error = token_error::unknown_kid;
    return r;
  }
  if (!key->verify(parts->signing_input, parts->signature)) {
    r.error = token_error::bad_signature;
    return r;
  }
  r.error = check_id_token_claims(parts->claims, want);
  if (!r.error) r.claims = std::move(parts->claims);
  return r;
}

}  // namespace chat::auth
