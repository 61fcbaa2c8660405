#pragma once
// Keys made with OpenSSL and JWS tokens signed with them, for verifier tests.
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

namespace chat::auth::test {

class test_key {
 public:
  static test_key rsa(std::string kid);
  static test_key ec(std::string kid);
  /// The public JWK (kty, kid, alg, use and the key fields).
  nlohmann::json jwk() const;
  /// header.payload.signature; `header` gets alg and kid unless already set.
  std::string sign(nlohmann::json claims, nlohmann::json header = nlohmann::json::object()) const;
  const std::string& alg() const { return alg_; }

 private:
  std::string kid_, alg_;
  std::shared_ptr<void> pkey_;
};

}  // namespace chat::auth::test
