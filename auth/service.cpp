#include "auth/service.hpp"

#include <fmt/format.h>

#include <chrono>
#include <nlohmann/json.hpp>

#include "auth/crypto.hpp"
#include "auth/http_util.hpp"
#include "auth/oidc_flow.hpp"
#include "auth/service_impl.hpp"
#include "auth/username.hpp"
#include "metrics/registry.hpp"
#include "persistence/session_store.hpp"
#include "persistence/user_store.hpp"
#include "util/clock.hpp"

namespace chat::auth {

using json = nlohmann::json;

namespace {

constexpr std::size_t max_body_bytes = 16 * 1024;
constexpr std::size_t max_user_agent = 256;

std::string dump(const json& j) {
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

json user_json(const persistence::user& u) {
  return json{{"id", u.id}, {"username", u.username}};
}

/// Non-secret id of a session for listing and revoking: a prefix of the token hash (itself a hash,
/// so it reveals nothing usable about the token).
std::string session_public_id(std::string_view token_hash) {
  return std::string(token_hash.substr(0, 16));
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && to_lower(s.substr(0, prefix.size())) == prefix;
}

/// Nesting depth of a JSON text (outside strings): our bodies are flat, deep ones are refused
/// early.
int json_depth(std::string_view s) {
  int depth = 0, max_depth = 0;
  bool in_string = false, escaped = false;
  for (char c : s) {
    if (in_string) {
      if (escaped)
        escaped = false;
      else if (c == '\\')
        escaped = true;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      max_depth = std::max(max_depth, ++depth);
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return max_depth;
}

}  // namespace

/// Content-Type is empty or application/json (parameters such as charset allowed): not
/// application/jsonp, not text/plain (which a cross-site form can send).
static bool json_or_none(std::string_view content_type) {
  if (content_type.empty()) return true;
  constexpr std::string_view json_type = "application/json";
  if (!starts_with_ci(content_type, json_type)) return false;
  const auto rest = content_type.substr(json_type.size());
  return rest.empty() || rest.front() == ';' || rest.front() == ' ' || rest.front() == '\t';
}

static std::optional<http_response> require_json(const http_request& req) {
  if (json_or_none(req.content_type)) return std::nullopt;
  return json_error(http_error::unsupported_media_type, "Send the body as application/json.");
}

body_result parse_body(const http_request& req) {
  body_result r;
  if (auto e = require_json(req)) {
    r.error = std::move(*e);
    return r;
  }
  if (req.body.size() > max_body_bytes) {
    r.error = json_error(http_error::body_too_large, "The request body is too large.");
    return r;
  }
  if (json_depth(req.body) > 4) {
    r.error = json_error(http_error::bad_request, "The body is nested too deeply.");
    return r;
  }
  r.j = json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (r.j.is_discarded() || !r.j.is_object()) {
    r.error = json_error(http_error::bad_request, "The body must be a JSON object.");
  }
  return r;
}

/// A required string field, or the 400 that names it.
std::optional<http_response> get_string(const json& j, const char* key, std::string& out) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string()) {
    return json_error(http_error::bad_request, fmt::format("\"{}\" must be a string.", key));
  }
  out = it->get<std::string>();
  return std::nullopt;
}

static std::optional<http_response> get_optional_bool(const json& j, const char* key, bool& out) {
  const auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::nullopt;
  if (!it->is_boolean()) {
    return json_error(http_error::bad_request, fmt::format("\"{}\" must be true or false.", key));
  }
  out = it->get<bool>();
  return std::nullopt;
}

http_response json_ok(int status, const json& j) {
  http_response r;
  r.status = status;
  r.body = dump(j);
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

persistence::result<std::unique_ptr<service>> service::create(config cfg) {
  if (!sodium_ready()) {
    return persistence::error{persistence::errc::internal, "libsodium failed to initialise"};
  }
  auto db = persistence::db_config::parse(cfg.db_url);
  if (!db) return db.err();
  std::unique_ptr<service_impl> s;
  try {
    s = std::make_unique<service_impl>(std::move(cfg), std::move(db).value());
  } catch (const std::exception& e) {
    return persistence::error{persistence::errc::bad_config, e.what()};
  }
  // Fail early on an unreachable database rather than on the first request.
  return std::unique_ptr<service>(std::move(s));
}

service_impl::service_impl(config cfg, persistence::db_config db)
    : cfg_(std::move(cfg)),
      pool_(std::move(db), cfg_.db_pool_size, std::chrono::seconds(5),
            [this](persistence::connection_pool::event e, std::string_view detail) {
              using event = persistence::connection_pool::event;
              if (e == event::reconnected)
                log("database: reconnected");
              else
                log(fmt::format("database: {}: {}",
                                e == event::lost ? "connection lost" : "reconnect failed", detail),
                    logging::level::warn);
            }),
      hasher_(cfg_.fast_password_hashing),
      login_ip_(cfg_.login_per_ip.burst, cfg_.login_per_ip.per_minute),
      login_user_(cfg_.login_per_username.burst, cfg_.login_per_username.per_minute),
      register_ip_(cfg_.register_per_ip.burst, cfg_.register_per_ip.per_minute),
      lookup_ip_(cfg_.lookup_per_ip.burst, cfg_.lookup_per_ip.per_minute),
      oidc_ip_(cfg_.oidc_start_per_ip.burst, cfg_.oidc_start_per_ip.per_minute) {
  oidc_ = std::make_unique<oidc_flow>(*this);  // throws std::invalid_argument on a bad provider
  hashers_ = std::make_unique<hash_pool>(cfg_.hash_threads, cfg_.hash_queue);
}

service_impl::~service_impl() = default;

std::int64_t service_impl::now_ms() const {
  return util::now_ms(cfg_.now_ms);
}

void service_impl::log(std::string_view line, logging::level lvl) const {
  CHAT_LOG_AT(lvl, "auth", "{}", line);
}

long long service_impl::ttl_s() const {
  return cfg_.session_ttl.count();
}

bool service_impl::handles(std::string_view target) const {
  const std::string_view path = target_path(target);
  return path == "/api" || path.starts_with("/api/") || path.starts_with("/auth/");
}

http_response service_impl::handle(const http_request& req) {
  try {
    return route(req);
  } catch (const std::exception& e) {
    log(fmt::format("internal error on {} {}: {}", log_safe(req.method),
                    log_safe(target_path(req.target)), log_safe(e.what(), 200)),
        logging::level::err);
  } catch (...) {
    log("internal error (unknown exception)", logging::level::err);
  }
  return json_error(http_error::internal, "Something went wrong on the server.");
}

void service_impl::handle_async(const http_request& req, std::function<void(http_response)> done) {
  const std::string_view path = target_path(req.target);
  const bool hashes = req.method == "POST" && (path == "/api/login" || path == "/api/register");
  if (!hashes) return done(handle(req));
  auto job = [this, req, done] { done(handle(req)); };
  if (hashers_->try_submit(job)) return;
  persistence::error busy{persistence::errc::unavailable, "password hashing queue full"};
  log_unavailable("sign-in", busy);
  auto r = json_error(http_error::unavailable, "Sign-in is busy; try again in a moment.");
  r.headers.emplace_back("Retry-After", "1");
  done(std::move(r));
}

http_response service_impl::route(const http_request& req) {
  const std::string_view path = target_path(req.target);
  const std::string_view m = req.method;
  auto only = [&](std::string_view method, auto&& fn) -> http_response {
    if (m != method) {
      auto r = json_error(http_error::method_not_allowed, fmt::format("Use {}.", method));
      r.headers.emplace_back("Allow", std::string(method));
      return r;
    }
    return fn();
  };
  if (path == "/api/register") return only("POST", [&] { return do_register(req); });
  if (path == "/api/login") return only("POST", [&] { return do_login(req); });
  if (path == "/api/logout") return only("POST", [&] { return do_logout(req); });
  if (path == "/api/me") return only("GET", [&] { return do_me(req); });
  if (path == "/api/username") return only("GET", [&] { return do_username(req); });
  if (path == "/api/sessions") return only("GET", [&] { return do_sessions(req); });
  if (path.starts_with("/api/sessions/")) {
    return only("DELETE",
                [&] { return do_session_delete(req, path.substr(sizeof("/api/sessions/") - 1)); });
  }
  if (path == "/api/providers") return only("GET", [&] { return do_providers(req); });
  if (path == "/api/choose-username") {
    if (m == "GET") return do_signup_info(req);
    return only("POST", [&] { return do_choose_username(req); });
  }
  constexpr std::string_view oidc_prefix = "/auth/oidc/";
  if (path.starts_with(oidc_prefix)) {
    const std::string_view rest = path.substr(oidc_prefix.size());
    const auto slash = rest.find('/');
    if (slash != std::string_view::npos) {
      return only("GET",
                  [&] { return do_oidc(req, rest.substr(0, slash), rest.substr(slash + 1)); });
    }
  }
  return json_error(http_error::not_found, "No such endpoint.");
}

// ---- sessions -------------------------------------------------------------------------------

persistence::result<service_impl::issued> service_impl::issue_session(
    persistence::connection_pool::lease& db, persistence::user_id u, std::string_view user_agent) {
  issued out;
  out.token = random_token(32);
  const std::int64_t now = now_ms();
  out.s.token_hash = sha256_hex(out.token);
  out.s.user = u;
  out.s.created_at_ms = now;
  out.s.last_seen_ms = now;
  out.s.expires_at_ms = now + ttl_s() * 1000;
  out.s.user_agent = std::string(user_agent.substr(0, max_user_agent));
  persistence::session_store sessions(*db);
  if (auto st = sessions.create(out.s); !st) return st.err();
  return out;
}

service_impl::found_session service_impl::session_of_token(persistence::connection_pool::lease& db,
                                                           std::string_view token) {
  // Our tokens have one shape: anything else is refused without touching the database.
  if (!looks_like_token(token)) return std::optional<current_session>{};
  const std::string hash = sha256_hex(token);
  const std::int64_t now = now_ms();
  persistence::session_store sessions(*db);
  auto found = sessions.find_valid(hash, now);
  if (!found) {
    if (found.err().code == persistence::errc::unavailable) db.broken();
    return found.err();
  }
  if (!found->has_value()) return std::optional<current_session>{};
  current_session cur;
  cur.s = std::move(**found);
  cur.token = std::string(token);
  // Sliding renewal, but not on every request: only once a tenth of the lifetime has gone by.
  const std::int64_t ttl_ms = ttl_s() * 1000;
  if (cur.s.expires_at_ms - now < ttl_ms - ttl_ms / 10) {
    const std::int64_t new_expiry = now + ttl_ms;
    if (auto st = sessions.touch(hash, now, new_expiry); st) {
      cur.s.expires_at_ms = new_expiry;
      cur.s.last_seen_ms = now;
      cur.renewed = true;
    } else {
      log(fmt::format("session renewal failed: {}", st.err().message));
    }
  }
  persistence::user_store users(*db);
  auto u = users.find_by_id(cur.s.user);
  if (!u) {
    if (u.err().code == persistence::errc::unavailable) db.broken();
    return u.err();
  }
  if (!u->has_value()) return std::optional<current_session>{};
  // A disabled account keeps its sessions (enabling it restores them) but none of them works.
  if ((*u)->disabled()) return std::optional<current_session>{};
  cur.who = identity{(*u)->id, (*u)->username};
  return std::optional<current_session>{std::move(cur)};
}

service_impl::found_session service_impl::session_of_request(
    persistence::connection_pool::lease& db, const http_request& req) {
  // An explicit Authorization header wins over an ambient cookie.
  if (auto t = bearer_token(req.authorization)) return session_of_token(db, *t);
  if (auto t = cookie_value(req.cookie, session_cookie)) {
    auto cur = session_of_token(db, *t);
    if (cur && *cur) (*cur)->from_cookie = true;
    return cur;
  }
  return std::optional<current_session>{};
}

template <class Find>
session_check service_impl::identity_of(Find&& find) {
  session_check out;
  out.result = session_check::outcome::unavailable;
  try {
    auto db = pool_.acquire();
    if (!db) {
      log_unavailable("authenticate", db.err());
      return out;
    }
    auto cur = find(*db);
    if (!cur) {
      log_unavailable("authenticate", cur.err());
      return out;
    }
    if (!*cur) {
      out.result = session_check::outcome::invalid;
      return out;
    }
    out.result = session_check::outcome::valid;
    out.who = (*cur)->who;
    out.who.session_expires_ms = (*cur)->s.expires_at_ms;
    return out;
  } catch (const std::exception& e) {
    log(fmt::format("authenticate: {}", log_safe(e.what(), 200)), logging::level::err);
    return out;
  }
}

session_check service_impl::authenticate(const http_request& req) {
  return identity_of(
      [&](persistence::connection_pool::lease& db) { return session_of_request(db, req); });
}

session_check service_impl::authenticate_token(std::string_view token) {
  return identity_of(
      [&](persistence::connection_pool::lease& db) { return session_of_token(db, token); });
}

http_response service_impl::signed_in(int status, const persistence::user& u, const issued& s,
                                      bool want_token, bool tls) {
  json j{{"user", user_json(u)}};
  if (want_token) j["token"] = s.token;
  auto r = json_ok(status, j);
  r.headers.emplace_back("Set-Cookie", session_cookie_header(s.token, ttl_s(), tls));
  return r;
}

http_response service_impl::db_failure(persistence::connection_pool::lease* db,
                                       const persistence::error& e, std::string_view what) {
  if (e.code == persistence::errc::unavailable) {
    log_unavailable(what, e);
    if (db) db->broken();
    auto r = json_error(http_error::unavailable,
                        "The server cannot reach its database; try again soon.");
    r.headers.emplace_back("Retry-After", "1");
    return r;
  }
  log(fmt::format("{}: database error ({}): {}", what, persistence::to_string(e.code), e.message),
      logging::level::err);
  return json_error(http_error::internal, "Something went wrong on the server.");
}

void service_impl::log_unavailable(std::string_view what, const persistence::error& e) {
  if (cfg_.metrics) cfg_.metrics->count_unavailable("auth");
  if (auto line = outages_.record(fmt::format("auth {}", what), e.message))
    log(*line, logging::level::warn);
}

http_response service_impl::rate_limited(rate_limiter& rl, std::string_view key,
                                         std::string_view what, const http_request& req) {
  const auto wait_ms = rl.retry_after_ms(key, now_ms());
  log(fmt::format("rate limited: {} ip={}", what, log_safe(req.remote_ip)));
  auto r = json_error(http_error::rate_limited, "Too many attempts; wait a moment and try again.");
  r.headers.emplace_back("Retry-After",
                         std::to_string(std::max<std::int64_t>(1, (wait_ms + 999) / 1000)));
  return r;
}

// ---- local accounts ---------------------------------------------------------------------------

namespace {

/// The body of register and login: {"username", "password", "want_token"?}; the 400 when it is not.
std::optional<http_response> read_credentials(const http_request& req, std::string& username,
                                              std::string& password, bool& want_token) {
  auto body = parse_body(req);
  if (body.error) return *body.error;
  if (auto e = get_string(body.j, "username", username)) return *e;
  if (auto e = get_string(body.j, "password", password)) return *e;
  if (auto e = get_optional_bool(body.j, "want_token", want_token)) return *e;
  return std::nullopt;
}

}  // namespace

http_response service_impl::do_register(const http_request& req) {
  if (!register_ip_.allow(req.remote_ip, now_ms())) {
    return rate_limited(register_ip_, req.remote_ip, "register", req);
  }
  std::string username, password;
  bool want_token = false;
  if (auto e = read_credentials(req, username, password, want_token)) return *e;
  if (auto p = check_username(username))
    return json_error(http_error::invalid_username, p->message);
  if (auto p = password_problem(password, username))
    return json_error(http_error::weak_password, *p);

  // The expensive hash first, so the window between creating the user and storing it stays small.
  auto hash = hasher_.hash(password);
  if (!hash)
    return json_error(http_error::unavailable, "The server is out of memory; try again soon.");
  auto db = pool_.acquire();
  if (!db) return db_failure(nullptr, db.err(), "register");
  persistence::user_store users(**db);
  auto u = users.create(username);
  if (!u) {
    if (u.err().code == persistence::errc::duplicate) {
      return json_error(http_error::username_taken, "This username is taken.");
    }
    return db_failure(&*db, u.err(), "register");
  }
  if (auto st = users.set_password_hash(u->id, *hash); !st) {
    return db_failure(&*db, st.err(), "register (password)");
  }
  auto s = issue_session(*db, u->id, req.user_agent);
  if (!s) return db_failure(&*db, s.err(), "register (session)");
  log(fmt::format("registered user id={} name={} ip={}", u->id, u->username,
                  log_safe(req.remote_ip)));
  return signed_in(201, *u, *s, want_token, req.tls);
}

http_response service_impl::do_login(const http_request& req) {
  const std::int64_t now = now_ms();
  if (!login_ip_.allow(req.remote_ip, now)) {
    return rate_limited(login_ip_, req.remote_ip, "login by ip", req);
  }
  std::string username, password;
  bool want_token = false;
  if (auto e = read_credentials(req, username, password, want_token)) return *e;
  const auto invalid = [&] {
    return json_error(http_error::invalid_credentials, "Wrong username or password.");
  };
  // Bounded before any work; also bounds the rate-limiter key.
  if (username.size() > max_username_chars || password.size() > max_password_bytes) {
    hasher_.verify_dummy(password.substr(0, max_password_bytes));
    return invalid();
  }
  const std::string user_key = to_lower(username);
  if (!login_user_.allow(user_key, now)) {
    return rate_limited(login_user_, user_key, "login by username", req);
  }
  // Look the user up, then give the connection back while hashing: session checks share the
  // pool and must not wait behind argon2id.
  persistence::user_id uid = 0;
  std::optional<persistence::user> found;
  std::optional<std::string> stored;
  {
    auto db = pool_.acquire();
    if (!db) return db_failure(nullptr, db.err(), "login");
    persistence::user_store users(**db);
    auto u = users.find_by_username(username);
    if (!u) return db_failure(&*db, u.err(), "login");
    if (u->has_value()) {
      auto h = users.password_hash((*u)->id);
      if (!h) return db_failure(&*db, h.err(), "login");
      stored = std::move(*h);
      uid = (*u)->id;
      found = std::move(**u);
    }
  }
  // Unknown user, or a user without a password (OpenID only): spend the same hashing work so the
  // answer time does not tell which usernames exist.
  if (!stored || stored->empty()) {
    hasher_.verify_dummy(password);
    log(fmt::format("login failed (no such password user) name={} ip={}", log_safe(username),
                    log_safe(req.remote_ip)));
    return invalid();
  }
  if (!hasher_.verify(*stored, password)) {
    log(fmt::format("login failed (wrong password) user id={} ip={}", uid,
                    log_safe(req.remote_ip)));
    return invalid();
  }
  // Checked after the password, so the answer tells only the account's owner it is disabled.
  if (found->disabled()) {
    log(fmt::format("login refused (account disabled) user id={} ip={}", uid,
                    log_safe(req.remote_ip)));
    return json_error(http_error::account_disabled, "This account has been disabled.");
  }
  std::optional<std::string> rehashed;
  if (hasher_.needs_rehash(*stored)) rehashed = hasher_.hash(password);
  auto db = pool_.acquire();
  if (!db) return db_failure(nullptr, db.err(), "login (session)");
  if (rehashed) (void)persistence::user_store(**db).set_password_hash(uid, *rehashed);
  auto s = issue_session(*db, uid, req.user_agent);
  if (!s) return db_failure(&*db, s.err(), "login (session)");
  log(fmt::format("login user id={} ip={}", uid, log_safe(req.remote_ip)));
  return signed_in(200, *found, *s, want_token, req.tls);
}

http_response service_impl::do_logout(const http_request& req) {
  // The same content-type rule as every POST: a cross-site form cannot sign anyone out.
  if (auto e = require_json(req)) return *e;
  http_response r;
  r.status = 204;
  r.content_type.clear();
  r.headers.emplace_back("Set-Cookie", session_cookie_header("", 0, req.tls));
  r.headers.emplace_back("Cache-Control", "no-store");
  std::optional<std::string> token = bearer_token(req.authorization);
  if (!token) token = cookie_value(req.cookie, session_cookie);
  if (!token || !looks_like_token(*token)) return r;
  auto db = pool_.acquire();
  if (!db) return db_failure(nullptr, db.err(), "logout");
  persistence::session_store sessions(**db);
  if (auto st = sessions.revoke(sha256_hex(*token)); !st) {
    return db_failure(&*db, st.err(), "logout");
  }
  return r;
}

http_response service_impl::do_me(const http_request& req) {
  auto db = pool_.acquire();
  if (!db) return db_failure(nullptr, db.err(), "me");
  auto found = session_of_request(*db, req);
  if (!found) return db_failure(nullptr, found.err(), "me");
  auto& cur = *found;
  if (!cur) return json_error(http_error::unauthenticated, "Not signed in.");
  auto r = json_ok(200, json{{"user", {{"id", cur->who.user}, {"username", cur->who.username}}}});
  if (cur->renewed && cur->from_cookie) {
    r.headers.emplace_back("Set-Cookie", session_cookie_header(cur->token, ttl_s(), req.tls));
  }
  return r;
}

http_response service_impl::do_username(const http_request& req) {
  if (!lookup_ip_.allow(req.remote_ip, now_ms())) {
    return rate_limited(lookup_ip_, req.remote_ip, "username lookup", req);
  }
  auto name = query_param(req.target, "name");
  if (!name) return json_error(http_error::bad_request, "Pass the username as ?name=.");
  if (auto p = check_username(*name)) {
    return json_ok(200, json{{"available", false}, {"reason", p->reason}, {"message", p->message}});
  }
  auto db = pool_.acquire();
  if (!db) return db_failure(nullptr, db.err(), "username");
  persistence::user_store users(**db);
  auto u = users.find_by_username(*name);
  if (!u) return db_failure(&*db, u.err(), "username");
  if (u->has_value()) {
    return json_ok(
        200,
        json{{"available", false}, {"reason", "taken"}, {"message", "This username is taken."}});
  }
  return json_ok(200, json{{"available", true}});
}

http_response service_impl::do_sessions(const http_request& req) {
  auto db = pool_.acquire();
  if (!db) return db_failure(nullptr, db.err(), "sessions");
  auto found = session_of_request(*db, req);
  if (!found) return db_failure(nullptr, found.err(), "sessions");
  auto& cur = *found;
  if (!cur) return json_error(http_error::unauthenticated, "Not signed in.");
  persistence::session_store sessions(**db);
  auto list = sessions.list_for_user(cur->who.user);
  if (!list) return db_failure(&*db, list.err(), "sessions");
  const std::int64_t now = now_ms();
  json arr = json::array();
  for (const auto& s : *list) {
    if (s.expires_at_ms <= now) continue;
    arr.push_back(json{{"id", session_public_id(s.token_hash)},
                       {"created_at_ms", s.created_at_ms},
                       {"last_seen_ms", s.last_seen_ms},
                       {"expires_at_ms", s.expires_at_ms},
                       {"user_agent", s.user_agent},
                       {"current", s.token_hash == cur->s.token_hash}});
  }
  return json_ok(200, json{{"sessions", arr}});
}

http_response service_impl::do_session_delete(const http_request& req, std::string_view id) {
  auto db = pool_.acquire();
  if (!db) return db_failure(nullptr, db.err(), "session revoke");
  auto found = session_of_request(*db, req);
  if (!found) return db_failure(nullptr, found.err(), "session revoke");
  auto& cur = *found;
  if (!cur) return json_error(http_error::unauthenticated, "Not signed in.");
  if (id.size() != 16) return json_error(http_error::not_found, "No such session.");
  persistence::session_store sessions(**db);
  auto list = sessions.list_for_user(cur->who.user);
  if (!list) return db_failure(&*db, list.err(), "session revoke");
  // Only the caller's own sessions are searched: an id of someone else's session is "not found".
  for (const auto& s : *list) {
    if (constant_time_equal(session_public_id(s.token_hash), id)) {
      if (auto st = sessions.revoke(s.token_hash); !st) {
        return db_failure(&*db, st.err(), "session revoke");
      }
      http_response r;
      r.status = 204;
      r.content_type.clear();
      r.headers.emplace_back("Cache-Control", "no-store");
      if (s.token_hash == cur->s.token_hash && cur->from_cookie) {
        r.headers.emplace_back("Set-Cookie", session_cookie_header("", 0, req.tls));
      }
      log(fmt::format("session revoked by user id={}", cur->who.user));
      return r;
    }
  }
  return json_error(http_error::not_found, "No such session.");
}

}  // namespace chat::auth
