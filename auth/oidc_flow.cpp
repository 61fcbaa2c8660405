#include "auth/oidc_flow.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <stdexcept>

#include "auth/crypto.hpp"
#include "auth/http_util.hpp"
#include "auth/service_impl.hpp"
#include "auth/username.hpp"

namespace chat::auth {

using json = nlohmann::json;

namespace {

constexpr std::int64_t flow_ttl_ms = 10 * 60 * 1000;
constexpr std::int64_t signup_ttl_ms = 15 * 60 * 1000;
constexpr std::int64_t discovery_ttl_ms = 60 * 60 * 1000;
constexpr std::int64_t jwks_min_refetch_ms = 30 * 1000;
constexpr std::size_t max_pending = 10000;

std::string strip_slash(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

bool valid_provider_name(std::string_view n) {
  if (n.empty() || n.size() > 32) return false;
  for (char c : n) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  }
  return true;
}

template <class Map>
void drop_expired(Map& m, std::int64_t now) {
  for (auto it = m.begin(); it != m.end();) {
    it = it->second.expires_ms <= now ? m.erase(it) : std::next(it);
  }
}

}  // namespace

struct oidc_flow::provider {
  oidc_provider_config cfg;
  std::vector<std::string> accepted_issuers;  // iss values an ID token may carry
  std::mutex mu;                              // guards the discovery fields
  std::int64_t discovered_at_ms = 0;
  std::string issuer, authorization_endpoint, token_endpoint, jwks_uri;
  bool secret_post = false;  // provider only takes client_secret_post
  std::unique_ptr<jwks_cache> keys;
};

std::string suggest_username(const json& claims) {
  auto clean = [](std::string s) {
    std::string out;
    for (char c : s) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_' || c == '.' || c == '-';
      if (ok)
        out.push_back(c);
      else if (c == ' ')
        out.push_back('_');
    }
    while (!out.empty() && !((out[0] >= 'a' && out[0] <= 'z') || (out[0] >= 'A' && out[0] <= 'Z') ||
                             (out[0] >= '0' && out[0] <= '9'))) {
      out.erase(0, 1);
    }
    if (out.size() > max_username_chars) out.resize(max_username_chars);
    return check_username(out) ? std::string() : out;
  };
  for (const char* key : {"preferred_username", "email", "name", "given_name"}) {
    auto it = claims.find(key);
    if (it == claims.end() || !it->is_string()) continue;
    std::string v = *it;
    if (std::string_view(key) == "email") v = v.substr(0, v.find('@'));
    if (auto s = clean(v); !s.empty()) return s;
  }
  return {};
}

oidc_flow::oidc_flow(service_impl& svc)
    : svc_(svc),
      configs_(svc.cfg().providers),
      http_(https_client::options{svc.cfg().allow_http_loopback_issuer, svc.cfg().extra_ca_file}) {
  for (auto& c : configs_) {
    if (!valid_provider_name(c.name)) {
      throw std::invalid_argument(
          fmt::format("OIDC provider name '{}' must be 1-32 of a-z 0-9 - _", log_safe(c.name)));
    }
    if (c.name == "google" && c.issuer.empty()) c.issuer = "https://accounts.google.com";
    if (c.display_name.empty()) c.display_name = c.name == "google" ? "Google" : c.name;
    if (c.client_id.empty()) {
      throw std::invalid_argument(fmt::format("OIDC provider '{}' needs a client id", c.name));
    }
    if (!http_.allowed(c.issuer)) {
      throw std::invalid_argument(fmt::format(
          "OIDC provider '{}': issuer must be an https URL (plain http only for a loopback issuer "
          "with the dev flag)",
          c.name));
    }
    for (const auto& p : providers_) {
      if (p->cfg.name == c.name) {
        throw std::invalid_argument(fmt::format("OIDC provider '{}' configured twice", c.name));
      }
    }
    auto p = std::make_unique<provider>();
    p->cfg = c;
    p->accepted_issuers.push_back(strip_slash(c.issuer));
    // Google documents both spellings of its issuer in ID tokens.
    if (strip_slash(c.issuer) == "https://accounts.google.com") {
      p->accepted_issuers.push_back("accounts.google.com");
    }
    provider* raw = p.get();
    p->keys = std::make_unique<jwks_cache>(
        [this, raw]() -> std::optional<std::string> {
          std::string uri;
          {
            std::lock_guard lock(raw->mu);
            uri = raw->jwks_uri;
          }
          auto r = http_.request("GET", uri);
          if (!r.response || r.response->status != 200) {
            svc_.log(
                fmt::format("oidc {}: JWKS fetch failed: {}", raw->cfg.name,
                            r.response ? fmt::format("HTTP {}", r.response->status) : r.error));
            return std::nullopt;
          }
          return std::move(r.response->body);
        },
        jwks_min_refetch_ms);
    providers_.push_back(std::move(p));
  }
}

oidc_flow::~oidc_flow() = default;

const oidc_provider_config* oidc_flow::find(std::string_view name) const {
  for (const auto& c : configs_) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

oidc_flow::provider* oidc_flow::find_provider(std::string_view name) {
  for (auto& p : providers_) {
    if (p->cfg.name == name) return p.get();
  }
  return nullptr;
}

std::string oidc_flow::discover(provider& p) {
  const std::int64_t now = svc_.now_ms();
  {
    std::lock_guard lock(p.mu);
    if (p.discovered_at_ms && now - p.discovered_at_ms < discovery_ttl_ms) return {};
  }
  const std::string url = strip_slash(p.cfg.issuer) + "/.well-known/openid-configuration";
  auto r = http_.request("GET", url);
  if (!r.response) return r.error;
  if (r.response->status != 200)
    return fmt::format("discovery answered HTTP {}", r.response->status);
  const json j = json::parse(r.response->body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return "discovery document is not JSON";
  auto str = [&](const char* k) {
    auto it = j.find(k);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  const std::string issuer = str("issuer");
  // The document must be about the issuer we asked (OpenID Connect Discovery 1.0, section 4.3).
  if (strip_slash(issuer) != strip_slash(p.cfg.issuer)) {
    return fmt::format("discovery issuer '{}' differs from the configured one", log_safe(issuer));
  }
  const std::string auth = str("authorization_endpoint"), token = str("token_endpoint"),
                    jwks = str("jwks_uri");
  if (auth.empty() || token.empty() || jwks.empty()) return "discovery lacks endpoints";
  if (!http_.allowed(auth) || !http_.allowed(token) || !http_.allowed(jwks)) {
    return "discovery names endpoints that are not https";
  }
  bool post_only = false;
  if (auto m = j.find("token_endpoint_auth_methods_supported"); m != j.end() && m->is_array()) {
    bool basic = false, post = false;
    for (const auto& v : *m) {
      basic = basic || v == "client_secret_basic";
      post = post || v == "client_secret_post";
    }
    post_only = post && !basic;
  }
  std::lock_guard lock(p.mu);
  p.issuer = issuer;
  if (std::find(p.accepted_issuers.begin(), p.accepted_issuers.end(), issuer) ==
      p.accepted_issuers.end()) {
    p.accepted_issuers.push_back(issuer);
  }
  p.authorization_endpoint = auth;
  p.token_endpoint = token;
  p.jwks_uri = jwks;
  p.secret_post = post_only;
  p.discovered_at_ms = now;
  return {};
}

oidc_flow::start_result oidc_flow::start(std::string_view name, std::string_view redirect_uri,
                                         persistence::user_id link_user) {
  start_result out;
  provider* p = find_provider(name);
  if (!p) {
    out.error = "unknown_provider";
    return out;
  }
  if (auto e = discover(*p); !e.empty()) {
    svc_.log(fmt::format("oidc {}: discovery failed: {}", p->cfg.name, e));
    out.error = "oidc_unavailable";
    return out;
  }
  pending st;
  st.provider = p->cfg.name;
  st.nonce = random_token(32);
  st.verifier = random_token(32);  // 43 characters, the RFC 7636 minimum
  st.redirect_uri = std::string(redirect_uri);
  st.link_user = link_user;
  const std::int64_t now = svc_.now_ms();
  st.expires_ms = now + flow_ttl_ms;
  out.state = random_token(32);
  const std::string challenge = base64url_encode(sha256_raw(st.verifier));
  std::string auth_endpoint;
  {
    std::lock_guard lock(p->mu);
    auth_endpoint = p->authorization_endpoint;
  }
  out.location = fmt::format(
      "{}{}response_type=code&client_id={}&redirect_uri={}&scope={}&state={}&nonce={}"
      "&code_challenge={}&code_challenge_method=S256",
      auth_endpoint, auth_endpoint.find('?') == std::string::npos ? '?' : '&',
      url_encode(p->cfg.client_id), url_encode(redirect_uri), url_encode("openid profile email"),
      out.state, st.nonce, challenge);
  std::lock_guard lock(mu_);
  if (pending_.size() >= max_pending) drop_expired(pending_, now);
  if (pending_.size() >= max_pending) {
    out.error = "busy";
    return out;
  }
  pending_.emplace(out.state, std::move(st));
  return out;
}

oidc_flow::finish_result oidc_flow::finish(std::string_view name, std::string_view code,
                                           std::string_view state, std::string_view provider_error,
                                           std::string_view state_cookie,
                                           std::string_view iss_param) {
  finish_result out;
  const std::int64_t now = svc_.now_ms();
  pending st;
  {
    // Single use: the state is consumed whatever happens next.
    std::lock_guard lock(mu_);
    auto it = pending_.find(std::string(state));
    if (it == pending_.end() || state.empty()) {
      out.error = "oidc_state_invalid";
      out.reason = "unknown_state";
      return out;
    }
    st = std::move(it->second);
    pending_.erase(it);
  }
  if (st.expires_ms <= now) {
    out.error = "oidc_state_invalid";
    out.reason = "expired_state";
    return out;
  }
  // The state must come back to the browser that started the flow (login CSRF).
  if (!constant_time_equal(state_cookie, state)) {
    out.error = "oidc_state_invalid";
    out.reason = "browser_mismatch";
    return out;
  }
  if (st.provider != name) {
    out.error = "oidc_state_invalid";
    out.reason = "provider_mismatch";
    return out;
  }
  out.link_user = st.link_user;
  if (!provider_error.empty()) {
    out.error = "oidc_provider_error";
    out.reason = log_safe(provider_error, 40);
    return out;
  }
  if (code.empty() || code.size() > 4096) {
    out.error = "oidc_exchange_failed";
    out.reason = "missing_code";
    return out;
  }
  provider* p = find_provider(name);
  if (!p) {
    out.error = "oidc_state_invalid";
    out.reason = "unknown_provider";
    return out;
  }
  if (auto e = discover(*p); !e.empty()) {
    svc_.log(fmt::format("oidc {}: discovery failed: {}", p->cfg.name, e));
    out.error = "oidc_unavailable";
    return out;
  }
  std::string token_endpoint, issuer;
  bool secret_post = false;
  std::vector<std::string> issuers;
  {
    std::lock_guard lock(p->mu);
    token_endpoint = p->token_endpoint;
    issuer = p->issuer;
    secret_post = p->secret_post;
    issuers = p->accepted_issuers;
  }
  // RFC 9207: a provider that names itself in the redirect must be the one we sent the user to
  // (defeats mix-up attacks between providers).
  if (!iss_param.empty() && iss_param != issuer) {
    out.error = "oidc_issuer_mismatch";
    return out;
  }
  std::string form =
      fmt::format("grant_type=authorization_code&code={}&redirect_uri={}&code_verifier={}",
                  url_encode(code), url_encode(st.redirect_uri), st.verifier);
  std::vector<std::pair<std::string, std::string>> headers{
      {"Content-Type", "application/x-www-form-urlencoded"}};
  if (secret_post) {
    form += fmt::format("&client_id={}&client_secret={}", url_encode(p->cfg.client_id),
                        url_encode(p->cfg.client_secret));
  } else {
    // RFC 6749 2.3.1: id and secret are form-urlencoded before going into Basic.
    headers.emplace_back("Authorization",
                         "Basic " + base64_encode(url_encode(p->cfg.client_id) + ":" +
                                                  url_encode(p->cfg.client_secret)));
  }
  auto r = http_.request("POST", token_endpoint, form, headers);
  if (!r.response) {
    svc_.log(fmt::format("oidc {}: token endpoint unreachable: {}", p->cfg.name, r.error));
    out.error = "oidc_unavailable";
    return out;
  }
  const json body = json::parse(r.response->body, nullptr, false);
  if (r.response->status != 200) {
    out.error = "oidc_exchange_failed";
    out.reason = body.is_object() && body.contains("error") && body["error"].is_string()
                     ? log_safe(body["error"].get<std::string>(), 40)
                     : fmt::format("http_{}", r.response->status);
    return out;
  }
  if (!body.is_object() || !body.contains("id_token") || !body["id_token"].is_string()) {
    out.error = "oidc_exchange_failed";
    out.reason = "no_id_token";
    return out;
  }
  const std::string id_token = body["id_token"];
  id_token_expectations want;
  want.client_id = p->cfg.client_id;
  want.nonce = st.nonce;
  want.now_s = now / 1000;
  // The issuer an ID token may name: the discovered one (or Google's alternative spelling).
  id_token_result v;
  for (const auto& iss : issuers) {
    want.issuer = iss;
    v = p->keys->verify(id_token, want, now);
    if (v.error != token_error::wrong_issuer) break;
  }
  if (v.error) {
    out.error = "oidc_token_invalid";
    out.reason = to_string(*v.error);
    return out;
  }
  oidc_identity who;
  who.provider = p->cfg.name;
  who.issuer = v.claims["iss"].get<std::string>();
  if (who.issuer == "accounts.google.com") who.issuer = "https://accounts.google.com";
  who.subject = v.claims["sub"].get<std::string>();
  if (who.subject.size() > 255) {
    out.error = "oidc_token_invalid";
    out.reason = "malformed";
    return out;
  }
  who.suggested_username = suggest_username(v.claims);
  out.who = std::move(who);
  return out;
}

std::string oidc_flow::add_signup(oidc_identity who) {
  const std::string ticket = random_token(32);
  const std::int64_t now = svc_.now_ms();
  std::lock_guard lock(mu_);
  if (signups_.size() >= max_pending) drop_expired(signups_, now);
  if (signups_.size() >= max_pending) signups_.erase(signups_.begin());
  signups_[sha256_hex(ticket)] = signup{std::move(who), now + signup_ttl_ms};
  return ticket;
}

std::optional<oidc_identity> oidc_flow::peek_signup(std::string_view ticket) {
  if (!looks_like_token(ticket)) return std::nullopt;
  const std::int64_t now = svc_.now_ms();
  std::lock_guard lock(mu_);
  auto it = signups_.find(sha256_hex(ticket));
  if (it == signups_.end()) return std::nullopt;
  if (it->second.expires_ms <= now) {
    signups_.erase(it);
    return std::nullopt;
  }
  return it->second.who;
}

void oidc_flow::drop_signup(std::string_view ticket) {
  std::lock_guard lock(mu_);
  signups_.erase(sha256_hex(ticket));
}

}  // namespace chat::auth
