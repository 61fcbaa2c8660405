// The OpenID Connect endpoints of service_impl: provider list, start, callback, choose-username.
// The callback is a browser navigation, so its failures are redirects to the web client's sign-in
// page with an error code, never a session.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "auth/crypto.hpp"
#include "auth/http_util.hpp"
#include "auth/oidc_flow.hpp"
#include "auth/service_impl.hpp"
#include "auth/username.hpp"
#include "persistence/user_store.hpp"

namespace chat::auth {

using json = nlohmann::json;

namespace {

constexpr std::string_view state_cookie = "chatd_oidc_state";
constexpr std::string_view signup_cookie = "chatd_signup";

std::string cookie(std::string_view name, std::string_view value, std::string_view path,
                   long long max_age, bool secure) {
  return fmt::format("{}={}; HttpOnly; SameSite=Lax; Path={}; Max-Age={}{}", name, value, path,
                     max_age, secure ? "; Secure" : "");
}

http_response redirect(std::string location) {
  http_response r;
  r.status = 302;
  r.content_type.clear();
  r.headers.emplace_back("Location", std::move(location));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

bool safe_host(std::string_view h) {
  if (h.empty() || h.size() > 255) return false;
  for (char c : h) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string service_impl::base_url(const http_request& req) const {
  if (!cfg_.public_base_url.empty()) {
    std::string b = cfg_.public_base_url;
    while (!b.empty() && b.back() == '/') b.pop_back();
    return b;
  }
  // Without a configured public URL, the Host header decides; the provider still only redirects
  // to URIs registered for the client, so a forged Host cannot steal a code.
  if (!safe_host(req.host)) return {};
  return fmt::format("{}://{}", req.tls ? "https" : "http", req.host);
}

http_response service_impl::oidc_error_redirect(const http_request& req, std::string_view provider,
                                                std::string_view code, std::string_view reason) {
  log(fmt::format("oidc {}: sign-in refused: {}{}{} ip={}", log_safe(provider), code,
                  reason.empty() ? "" : " reason=", log_safe(reason), log_safe(req.remote_ip)));
  std::string loc = "/#/sign-in?error=" + url_encode(code);
  if (!reason.empty()) loc += "&reason=" + url_encode(reason);
  auto r = redirect(std::move(loc));
  r.headers.emplace_back("Set-Cookie", cookie(state_cookie, "", "/auth/oidc/", 0, req.tls));
  return r;
}

http_response service_impl::do_providers(const http_request&) {
  json arr = json::array();
  for (const auto& p : oidc_->providers()) {
    arr.push_back(json{{"name", p.name},
                       {"display_name", p.display_name},
                       {"start_url", fmt::format("/auth/oidc/{}/start", p.name)}});
  }
  return json_ok(200, json{{"providers", arr}});
}

http_response service_impl::do_oidc(const http_request& req, std::string_view provider,
                                    std::string_view step) {
  if (!oidc_->find(provider)) {
    return json_error(http_error::unknown_provider, "No such sign-in provider.");
  }
  if (!oidc_ip_.allow(req.remote_ip, now_ms())) {
    return rate_limited(oidc_ip_, req.remote_ip, "oidc", req);
  }
  const std::string base = base_url(req);
  if (base.empty()) return json_error(http_error::bad_request, "Missing or invalid Host header.");
  const std::string redirect_uri = fmt::format("{}/auth/oidc/{}/callback", base, provider);

  if (step == "start") {
    persistence::user_id link_user = 0;
    if (query_param(req.target, "link") == "1") {
      // Linking adds a way into an existing account: only its signed-in owner may start it.
      auto db = pool_.acquire();
      if (!db) return db_failure(nullptr, db.err(), "oidc link");
      auto found = session_of_request(*db, req);
      if (!found) return db_failure(nullptr, found.err(), "oidc link");
      auto& cur = *found;
      if (!cur) return oidc_error_redirect(req, provider, "not_signed_in", "");
      link_user = cur->who.user;
    }
    auto s = oidc_->start(provider, redirect_uri, link_user);
    if (!s.error.empty()) return oidc_error_redirect(req, provider, s.error, "");
    auto r = redirect(std::move(s.location));
    r.headers.emplace_back("Set-Cookie",
                           cookie(state_cookie, s.state, "/auth/oidc/", 600, req.tls));
    return r;
  }
  if (step != "callback") return json_error(http_error::not_found, "No such endpoint.");

  const std::string code = query_param(req.target, "code").value_or("");
  const std::string state = query_param(req.target, "state").value_or("");
  const std::string perr = query_param(req.target, "error").value_or("");
  const std::string bound{cookie_value(req.cookie, state_cookie).value_or("")};
  const std::string iss = query_param(req.target, "iss").value_or("");
  auto f = oidc_->finish(provider, code, state, perr, bound, iss);
  if (!f.who) return oidc_error_redirect(req, provider, f.error, f.reason);
  const oidc_identity& who = *f.who;

  auto db = pool_.acquire();
  if (!db) return db_failure(nullptr, db.err(), "oidc callback");
  persistence::user_store users(**db);
  auto known = users.find_identity(who.issuer, who.subject);
  if (!known) return db_failure(&*db, known.err(), "oidc callback");

  if (f.link_user) {
    if (known->has_value() && **known != f.link_user) {
      return oidc_error_redirect(req, provider, "oidc_identity_in_use", "");
    }
    if (!known->has_value()) {
      if (auto st = users.link_identity(who.issuer, who.subject, f.link_user); !st) {
        if (st.err().code == persistence::errc::duplicate) {
          return oidc_error_redirect(req, provider, "oidc_identity_in_use", "");
        }
        return db_failure(&*db, st.err(), "oidc link");
      }
    }
    log(fmt::format("oidc {}: linked to user id={}", provider, f.link_user));
    auto r = redirect(fmt::format("/#/account?linked={}", provider));
    r.headers.emplace_back("Set-Cookie", cookie(state_cookie, "", "/auth/oidc/", 0, req.tls));
    return r;
  }

  if (known->has_value()) {
    auto u = users.find_by_id(**known);
    if (!u) return db_failure(&*db, u.err(), "oidc callback");
    if (!u->has_value()) return oidc_error_redirect(req, provider, "oidc_account_missing", "");
    if ((*u)->disabled()) {
      log(fmt::format("oidc {}: login refused (account disabled) user id={}", provider, (*u)->id));
      return oidc_error_redirect(req, provider, "account_disabled", "");
    }
    auto s = issue_session(*db, (*u)->id, req.user_agent);
    if (!s) return db_failure(&*db, s.err(), "oidc session");
    log(fmt::format("oidc {}: login user id={} ip={}", provider, (*u)->id,
                    log_safe(req.remote_ip)));
    auto r = redirect("/");
    r.headers.emplace_back("Set-Cookie", session_cookie_header(s->token, ttl_s(), req.tls));
    r.headers.emplace_back("Set-Cookie", cookie(state_cookie, "", "/auth/oidc/", 0, req.tls));
    return r;
  }

  // First sign-in of this identity: it needs a username before it becomes a user.
  const std::string ticket = oidc_->add_signup(who);
  log(fmt::format("oidc {}: new identity waits for a username ip={}", provider,
                  log_safe(req.remote_ip)));
  auto r = redirect("/#/choose-username");
  r.headers.emplace_back("Set-Cookie", cookie(signup_cookie, ticket, "/api/", 900, req.tls));
  r.headers.emplace_back("Set-Cookie", cookie(state_cookie, "", "/auth/oidc/", 0, req.tls));
  return r;
}

http_response service_impl::do_signup_info(const http_request& req) {
  const auto ticket = cookie_value(req.cookie, signup_cookie);
  auto who = ticket ? oidc_->peek_signup(*ticket) : std::nullopt;
  if (!who) {
    return json_error(http_error::no_pending_signup, "There is no sign-in waiting for a username.");
  }
  const auto* p = oidc_->find(who->provider);
  return json_ok(200, json{{"provider", who->provider},
                           {"display_name", p ? p->display_name : who->provider},
                           {"suggested_username", who->suggested_username}});
}

http_response service_impl::do_choose_username(const http_request& req) {
  if (!register_ip_.allow(req.remote_ip, now_ms())) {
    return rate_limited(register_ip_, req.remote_ip, "choose-username", req);
  }
  auto body = parse_body(req);
  if (body.error) return *body.error;
  std::string username;
  if (auto e = get_string(body.j, "username", username)) return *e;
  const auto ticket = cookie_value(req.cookie, signup_cookie);
  auto who = ticket ? oidc_->peek_signup(*ticket) : std::nullopt;
  if (!who) {
    return json_error(http_error::no_pending_signup,
                      "There is no sign-in waiting for a username; sign in again.");
  }
  if (auto p = check_username(username))
    return json_error(http_error::invalid_username, p->message);
  auto db = pool_.acquire();
  if (!db) return db_failure(nullptr, db.err(), "choose-username");
  persistence::user_store users(**db);
  // The identity may have been completed meanwhile (a second tab): do not make a second user.
  auto known = users.find_identity(who->issuer, who->subject);
  if (!known) return db_failure(&*db, known.err(), "choose-username");
  if (known->has_value()) {
    oidc_->drop_signup(*ticket);
    return json_error(http_error::identity_already_linked,
                      "This sign-in already has a username; sign in again.");
  }
  auto u = users.create(username);
  if (!u) {
    if (u.err().code == persistence::errc::duplicate) {
      return json_error(http_error::username_taken, "This username is taken.");
    }
    return db_failure(&*db, u.err(), "choose-username");
  }
  if (auto st = users.link_identity(who->issuer, who->subject, u->id); !st) {
    if (st.err().code == persistence::errc::duplicate) {
      oidc_->drop_signup(*ticket);
      return json_error(http_error::identity_already_linked,
                        "This sign-in already has a username; sign in again.");
    }
    return db_failure(&*db, st.err(), "choose-username (link)");
  }
  oidc_->drop_signup(*ticket);
  auto s = issue_session(*db, u->id, req.user_agent);
  if (!s) return db_failure(&*db, s.err(), "choose-username (session)");
  log(fmt::format("oidc {}: registered user id={} name={} ip={}", who->provider, u->id, u->username,
                  log_safe(req.remote_ip)));
  auto r = signed_in(201, *u, *s, false, req.tls);
  r.headers.emplace_back("Set-Cookie", cookie(signup_cookie, "", "/api/", 0, req.tls));
  return r;
}

}  // namespace chat::auth
