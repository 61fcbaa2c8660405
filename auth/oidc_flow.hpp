#pragma once
// OpenID Connect sign-in (authorization code + PKCE): provider discovery, the short-lived
// server-side state of flows in progress, the code exchange and ID token verification.
#include <memory>
#include <string>
#include <vector>

#include "auth/service.hpp"

namespace chat::auth {

class service_impl;

class oidc_flow {
 public:
  /// Throws std::invalid_argument when a provider's configuration is unusable.
  explicit oidc_flow(service_impl& svc);
  ~oidc_flow();

  const std::vector<oidc_provider_config>& providers() const { return providers_; }

 private:
  service_impl& svc_;
  std::vector<oidc_provider_config> providers_;
};

}  // namespace chat::auth
