#pragma once
// Accounts, sessions and sign-in over HTTP, free of Beast: the gateway turns a Beast request into
// an http_request, calls handle() off its I/O threads (these calls block on the database), and
// writes the http_response back. Owns every /api/ and /auth/ endpoint (see docs/http-api.md).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "persistence/result.hpp"
#include "persistence/types.hpp"
#include "util/clock.hpp"

namespace chat::metrics {
class registry;
}

namespace chat::auth {

struct http_request {
  std::string method;  ///< "GET", "POST", ...
  std::string target;  ///< path + query, as received
  std::string body;
  std::string cookie;         ///< raw Cookie header
  std::string authorization;  ///< raw Authorization header ("Bearer <token>")
  std::string user_agent;
  std::string remote_ip;
  std::string host;  ///< Host header
  /// Request arrived over TLS (or X-Forwarded-Proto: https from a trusted proxy).
  bool tls = false;
  /// Content-Type header. When set, POST bodies must be application/json (415 otherwise): a
  /// cross-site HTML form cannot send that type, which closes login CSRF.
  std::string content_type;
};

struct http_response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  ///< e.g. Set-Cookie, Location
};

struct identity {
  persistence::user_id user = 0;
  std::string username;
  std::int64_t session_expires_ms = 0;  ///< unix ms the session expires at (0: unknown)
};

/// What a session check found. "Cannot check" (the database did not answer) is not "signed out":
/// callers answer it with 503 / `unavailable` so clients retry and keep their session.
struct session_check {
  enum class outcome { valid, invalid, unavailable };
  outcome result = outcome::invalid;
  identity who;  ///< when valid
  explicit operator bool() const { return result == outcome::valid; }
  const identity* operator->() const { return &who; }
  bool unavailable() const { return result == outcome::unavailable; }
};

/// An OpenID Connect provider: any issuer by discovery, or the "google" preset.
struct oidc_provider_config {
  std::string name;  ///< short id used in URLs, e.g. "google"
  std::string display_name;
  std::string issuer;  ///< discovery at issuer + "/.well-known/openid-configuration"
  std::string client_id;
  std::string client_secret;
};

struct config {
  std::string db_url = "sqlite:chatd.db";
  std::chrono::seconds session_ttl{std::chrono::hours(24 * 30)};  ///< sliding
  std::string public_base_url;  ///< e.g. "http://127.0.0.1:8080", for OIDC redirect URIs
  std::vector<oidc_provider_config> providers;
  bool allow_http_loopback_issuer = false;  ///< dev/test only: plain-HTTP issuer on 127.0.0.1

  /// Token bucket: `burst` requests at once, refilled at `per_minute`.
  struct rate_limit {
    double burst;
    double per_minute;
  };
  rate_limit login_per_ip{30, 60};       ///< POST /api/login, by remote_ip
  rate_limit login_per_username{10, 5};  ///< POST /api/login, by lower-cased username
  rate_limit register_per_ip{30, 30};    ///< POST /api/register and /api/choose-username
  rate_limit lookup_per_ip{120, 240};    ///< GET /api/username (enumeration brake)
  rate_limit oidc_start_per_ip{30, 30};  ///< GET /auth/oidc/<p>/start and callback
  int db_pool_size = 4;                  ///< database connections held for handle() threads
  /// Password hashing (login, register) runs on its own threads, never on the caller's: this
  /// many at once (each argon2id call holds 64 MiB), at most `hash_queue` more waiting; beyond
  /// that 503 `unavailable` with Retry-After at once.
  int hash_threads = 2;
  std::size_t hash_queue = 64;
  /// Tests only: argon2id with libsodium's minimum limits instead of the interactive ones.
  bool fast_password_hashing = false;
  /// Clock (unix ms); empty = system clock. Tests move time with it.
  util::clock now_ms;
  /// Extra PEM CA file trusted for provider HTTPS, besides the system store (tests).
  std::string extra_ca_file;
  /// The process's metrics registry (chatd_unavailable_total{source="auth"}); none in some tests.
  chat::metrics::registry* metrics = nullptr;
};

/// Name of the session cookie.
inline constexpr std::string_view session_cookie = "chatd_session";

class service {
 public:
  static persistence::result<std::unique_ptr<service>> create(config cfg);
  virtual ~service() = default;

  /// True for targets this service answers (/api/..., /auth/...).
  virtual bool handles(std::string_view target) const = 0;
  /// Blocking (database, outbound HTTPS): call off the gateway's I/O threads. Never throws.
  virtual http_response handle(const http_request& req) = 0;
  /// handle() for callers with few threads: a request that hashes a password (POST /api/login,
  /// /api/register) is queued on the hashing pool and answered from there, or answered 503 at
  /// once when that queue is full; anything else runs in the calling thread. `done` is called
  /// exactly once, possibly on another thread.
  virtual void handle_async(const http_request& req, std::function<void(http_response)> done) = 0;
  /// The signed-in user of a request (session cookie or Bearer token). Blocking, bounded by the
  /// pool wait and the database timeouts.
  virtual session_check authenticate(const http_request& req) = 0;
  /// The user of a raw session token (the `token` field of a WebSocket hello). Blocking.
  virtual session_check authenticate_token(std::string_view token) = 0;
  /// Requests answered 503/unavailable because the database did not answer (for /metrics).
  virtual std::int64_t unavailable_total() const = 0;
};

}  // namespace chat::auth
