#pragma once
// OpenID Connect sign-in (authorization code + PKCE): provider discovery, the short-lived
// server-side state of flows in progress (state, nonce, PKCE verifier: single use, 10 minutes),
// the code exchange and ID token verification, and pending sign-ups waiting for a username.
// Users and sessions are service_impl's business; this class only says who signed in.
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/https_client.hpp"
#include "auth/jwks_cache.hpp"
#include "auth/service.hpp"
#include "persistence/types.hpp"

namespace chat::auth {

class service_impl;

/// An identity a provider vouched for.
struct oidc_identity {
  std::string provider;  ///< our provider name
  std::string issuer;    ///< key of the identity, with subject
  std::string subject;
  std::string suggested_username;  ///< from preferred_username / email / name, may be empty
};

class oidc_flow {
 public:
  /// Throws std::invalid_argument when a provider's configuration is unusable.
  explicit oidc_flow(service_impl& svc);
  ~oidc_flow();

  const std::vector<oidc_provider_config>& providers() const { return configs_; }
  const oidc_provider_config* find(std::string_view name) const;

  struct start_result {
    std::string location;  ///< the provider's authorization URL
    std::string state;     ///< also goes into the browser-binding cookie
    std::string error;     ///< code when it failed ("oidc_unavailable", "busy")
  };
  /// Begins a sign-in (or, with link_user, linking a provider to that user).
  start_result start(std::string_view provider, std::string_view redirect_uri,
                     persistence::user_id link_user);

  struct finish_result {
    std::optional<oidc_identity> who;
    persistence::user_id link_user = 0;
    std::string error;   ///< "oidc_state_invalid", "oidc_provider_error", "oidc_exchange_failed",
                         ///< "oidc_token_invalid", "oidc_unavailable"
    std::string reason;  ///< detail for oidc_token_invalid (token_error), or the provider's error
  };
  /// Handles the provider's redirect back: state (and its browser binding) first, then the code.
  finish_result finish(std::string_view provider, std::string_view code, std::string_view state,
                       std::string_view provider_error, std::string_view state_cookie,
                       std::string_view iss_param = {});

  /// Pending sign-ups: an identity without a user, waiting for a chosen username (15 minutes).
  std::string add_signup(oidc_identity who);
  std::optional<oidc_identity> peek_signup(std::string_view ticket);
  void drop_signup(std::string_view ticket);

 private:
  struct provider;
  struct pending {
    std::string provider, nonce, verifier, redirect_uri;
    persistence::user_id link_user = 0;
    std::int64_t expires_ms = 0;
  };
  struct signup {
    oidc_identity who;
    std::int64_t expires_ms = 0;
  };
  provider* find_provider(std::string_view name);
  /// Loads (or reuses, for an hour) the provider's metadata; error text on failure.
  std::string discover(provider& p);

  service_impl& svc_;
  std::vector<oidc_provider_config> configs_;
  std::vector<std::unique_ptr<provider>> providers_;
  https_client http_;
  std::mutex mu_;
  std::map<std::string, pending> pending_;  // by state
  std::map<std::string, signup> signups_;   // by SHA-256 of the ticket
};

/// A username derived from the provider's claims that passes the rules, or empty.
std::string suggest_username(const nlohmann::json& claims);

}  // namespace chat::auth
