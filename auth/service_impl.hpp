#pragma once
// The implementation behind auth::service (private to auth/): routing, local accounts, sessions.
// OpenID Connect sign-in lives in oidc_flow; this class calls it and turns its outcomes into users
// and sessions.
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "auth/hash_pool.hpp"
#include "auth/password.hpp"
#include "auth/rate_limiter.hpp"
#include "auth/service.hpp"
#include "logging/logger.hpp"
#include "persistence/connection_pool.hpp"
#include "persistence/outage_log.hpp"
#include "persistence/types.hpp"

namespace chat::auth {

class oidc_flow;

/// A parsed JSON object body, or the 4xx response that explains why not (bounded, flat, JSON).
struct body_result {
  nlohmann::json j;
  std::optional<http_response> error;
};
body_result parse_body(const http_request& req);
/// A required string field, or the 400 that names it.
std::optional<http_response> get_string(const nlohmann::json& j, const char* key, std::string& out);
http_response json_ok(int status, const nlohmann::json& j);

class service_impl final : public service {
 public:
  explicit service_impl(config cfg, persistence::db_config db);
  ~service_impl() override;

  bool handles(std::string_view target) const override;
  http_response handle(const http_request& req) override;
  void handle_async(const http_request& req, std::function<void(http_response)> done) override;
  session_check authenticate(const http_request& req) override;
  session_check authenticate_token(std::string_view token) override;
  std::int64_t unavailable_total() const override { return outages_.total(); }

 private:
  /// The signed-in session of a request, with what handle() needs to renew the cookie.
  struct current_session {
    identity who;
    persistence::session s;
    bool renewed = false;  ///< sliding renewal happened: re-send the cookie
    bool from_cookie = false;
    std::string token;
  };
  struct issued {
    std::string token;
    persistence::session s;
  };

  http_response route(const http_request& req);
  http_response do_register(const http_request& req);
  http_response do_login(const http_request& req);
  http_response do_logout(const http_request& req);
  http_response do_me(const http_request& req);
  http_response do_username(const http_request& req);
  http_response do_sessions(const http_request& req);
  http_response do_session_delete(const http_request& req, std::string_view id);
  http_response do_providers(const http_request& req);
  http_response do_choose_username(const http_request& req);
  http_response do_signup_info(const http_request& req);
  /// 302 to the web client's sign-in page with an error code (and reason) it can show.
  http_response oidc_error_redirect(const http_request& req, std::string_view provider,
                                    std::string_view code, std::string_view reason);
  std::string base_url(const http_request& req) const;
  http_response do_oidc(const http_request& req, std::string_view provider, std::string_view step);

  /// Looks up a raw token (no format check done by the caller needed): the session, nothing for
  /// an unknown/expired one, or the database error (then the lease is marked broken if the
  /// connection is gone).
  using found_session = persistence::result<std::optional<current_session>>;
  found_session session_of_token(persistence::connection_pool::lease& db, std::string_view token);
  found_session session_of_request(persistence::connection_pool::lease& db,
                                   const http_request& req);
  /// The check `find(db)` yields on a pooled connection; database trouble is logged (rate
  /// limited) and answered `unavailable`, never thrown.
  template <class Find>
  session_check identity_of(Find&& find);
  persistence::result<issued> issue_session(persistence::connection_pool::lease& db,
                                            persistence::user_id u, std::string_view user_agent);
  /// 201/200 body {"user":..., "token"?} with the session cookie.
  http_response signed_in(int status, const persistence::user& u, const issued& s, bool want_token,
                          bool tls);
  http_response db_failure(persistence::connection_pool::lease* db, const persistence::error& e,
                           std::string_view what);
  /// One rate-limited log line and a count per database fault that a client hears as 503.
  void log_unavailable(std::string_view what, const persistence::error& e);
  http_response rate_limited(rate_limiter& rl, std::string_view key, std::string_view what,
                             const http_request& req);
  long long ttl_s() const;

 public:
  // Used by oidc_flow.
  std::int64_t now_ms() const;
  /// One line through the "auth" logger (never secrets).
  void log(std::string_view line, logging::level lvl = logging::level::info) const;
  const config& cfg() const { return cfg_; }

 private:
  config cfg_;
  persistence::connection_pool pool_;  ///< the one home of blocking database work
  persistence::outage_log outages_;
  password_hasher hasher_;
  rate_limiter login_ip_, login_user_, register_ip_, lookup_ip_, oidc_ip_;
  std::unique_ptr<oidc_flow> oidc_;
  std::unique_ptr<hash_pool> hashers_;  // last: destroyed first, its jobs use everything above
};

}  // namespace chat::auth
