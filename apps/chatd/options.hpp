#pragma once
// chatd's command line, parsed without any library so --help stays instant and dependency-free.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "auth/service.hpp"

namespace chat::apps {

struct options {
  std::string listen_host = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  std::string db_url = "sqlite:chatd.db";  ///< --db, else $CHAT_DB, else this
  std::chrono::milliseconds idle_passivation{std::chrono::seconds(300)};
  std::string web_root;
  std::string migrations_dir;  ///< empty: persistence::default_migrations_dir()
  bool no_migrate = false;
  std::string public_url;  ///< empty: http://<listen address>
  int io_threads = 2;
  int blocking_threads = 4;
  /// Per-connection request rate (token bucket); 0 = the protocol's documented default.
  double requests_per_second = 0;
  double request_burst = 0;
  std::chrono::milliseconds shutdown_deadline{std::chrono::seconds(10)};
  // OpenID Connect providers (filled by the --oidc-* flags; see options.cpp).
  std::vector<auth::oidc_provider_config> oidc_providers;
  bool allow_http_loopback_issuer = false;
  std::string tls_cert;      ///< --tls-cert: PEM certificate chain; with tls_key, serve HTTPS/WSS
  std::string tls_key;       ///< --tls-key: PEM private key
  bool trust_proxy = false;  ///< --trust-proxy: believe X-Forwarded-* from loopback peers
  bool help = false;
};

/// Parses argv (and $CHAT_DB). On a bad flag: nothing, and `error` says which and why.
std::optional<options> parse_options(int argc, char** argv, std::string& error);

/// The --help text.
std::string usage();

/// "300s", "1s", "500ms", "5m", "2h", or a bare number of seconds.
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text);

}  // namespace chat::apps
