#include "test_signer.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <stdexcept>
#include <vector>

#include "auth/crypto.hpp"

namespace chat::auth::test {
namespace {

std::shared_ptr<void> wrap(EVP_PKEY* p) {
  if (!p) throw std::runtime_error("keygen failed");
  return std::shared_ptr<void>(p, [](void* k) { EVP_PKEY_free(static_cast<EVP_PKEY*>(k)); });
}

std::string bn_param(EVP_PKEY* k, const char* name, int pad = 0) {
  BIGNUM* bn = nullptr;
  if (!EVP_PKEY_get_bn_param(k, name, &bn)) throw std::runtime_error("no param");
  std::vector<unsigned char> buf(std::max(BN_num_bytes(bn), pad));
  BN_bn2binpad(bn, buf.data(), int(buf.size()));
  BN_free(bn);
  return std::string(buf.begin(), buf.end());
}

}  // namespace

test_key test_key::rsa(std::string kid) {
  test_key k;
  k.kid_ = std::move(kid);
  k.alg_ = "RS256";
  k.pkey_ = wrap(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", std::size_t(2048)));
  return k;
}

test_key test_key::ec(std::string kid) {
  test_key k;
  k.kid_ = std::move(kid);
  k.alg_ = "ES256";
  k.pkey_ = wrap(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  return k;
}

nlohmann::json test_key::jwk() const {
  auto* k = static_cast<EVP_PKEY*>(pkey_.get());
  nlohmann::json j{{"kid", kid_}, {"alg", alg_}, {"use", "sig"}};
  if (alg_ == "RS256") {
    j["kty"] = "RSA";
    j["n"] = base64url_encode(bn_param(k, OSSL_PKEY_PARAM_RSA_N));
    j["e"] = base64url_encode(bn_param(k, OSSL_PKEY_PARAM_RSA_E));
  } else {
    j["kty"] = "EC";
    j["crv"] = "P-256";
    j["x"] = base64url_encode(bn_param(k, OSSL_PKEY_PARAM_EC_PUB_X, 32));
    j["y"] = base64url_encode(bn_param(k, OSSL_PKEY_PARAM_EC_PUB_Y, 32));
  }
  return j;
}

std::string test_key::sign(nlohmann::json claims, nlohmann::json header) const {
  if (!header.contains("alg")) header["alg"] = alg_;
  if (!header.contains("kid")) header["kid"] = kid_;
  const std::string input = base64url_encode(header.dump()) + "." + base64url_encode(claims.dump());
  auto* k = static_cast<EVP_PKEY*>(pkey_.get());
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 0;
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, k);
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::vector<unsigned char> sig(len);
  EVP_DigestSign(ctx, sig.data(), &len, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  EVP_MD_CTX_free(ctx);
  sig.resize(len);
  std::string out(sig.begin(), sig.end());
  if (alg_ == "ES256") {  // DER -> r||s
    const unsigned char* p = sig.data();
    ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, long(sig.size()));
    unsigned char rs[64];
    BN_bn2binpad(ECDSA_SIG_get0_r(es), rs, 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(es), rs + 32, 32);
    ECDSA_SIG_free(es);
    out.assign(reinterpret_cast<char*>(rs), 64);
  }
  return input + "." + base64url_encode(out);
}

}  // namespace chat::auth::test
