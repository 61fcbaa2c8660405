#include "apps/chatd/options.hpp"

#include <charconv>
#include <cstdlib>
#include <string_view>

namespace chat::apps {
namespace {

std::optional<int> parse_int(std::string_view s, int lo, int hi) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

// "host:port", "[v6]:port" or ":port".
bool parse_listen(const std::string& text, options& o) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  auto port = parse_int(std::string_view(text).substr(colon + 1), 0, 65535);
  if (!port) return false;
  std::string host = text.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  o.listen_host = host.empty() ? "127.0.0.1" : host;
  o.listen_port = static_cast<std::uint16_t>(*port);
  return true;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(const std::string& text) {
  std::string_view s = text;
  std::size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  if (digits == 0) return std::nullopt;
  long long n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + digits, n);
  if (ec != std::errc{} || n > 10'000'000) return std::nullopt;
  auto unit = s.substr(digits);
  using namespace std::chrono;
  if (unit.empty() || unit == "s") return milliseconds(seconds(n));
  if (unit == "ms") return milliseconds(n);
  if (unit == "m") return milliseconds(minutes(n));
  if (unit == "h") return milliseconds(hours(n));
  return std::nullopt;
}

std::string usage() {
  return R"(usage: chatd [flags]

A realtime chat server: HTTP + WebSocket on one port, an event log in SQLite or MariaDB/MySQL.

  --help                     this text
  --listen ADDR:PORT         where to listen (default 127.0.0.1:8080; port 0 = any free port)
  --db URL                   sqlite:<path> or mysql://user:pass@host:port/db
                             (default: $CHAT_DB, else sqlite:chatd.db)
  --idle-passivation TIME    stop actors idle this long, e.g. 300s, 1s, 500ms, 5m (default 300s)
  --web-root DIR             serve the built web client from DIR (default: none)
  --migrations-dir DIR       SQL migrations (default: $CHAT_MIGRATIONS_DIR, else the source tree's)
  --no-migrate               do not apply migrations; refuse to start if any are pending
  --public-url URL           how browsers reach this server (default http://<listen address>)
  --threads N                I/O threads (default 2)
  --blocking-threads N       threads for blocking auth/database calls (default 4)
  --requests-per-second N    per-connection request rate limit (default 20, the protocol's)
  --request-burst N          per-connection burst (default 40)
  --shutdown-deadline TIME   longest graceful shutdown on SIGTERM/SIGINT (default 10s)

TLS and reverse proxies:
  --tls-cert FILE            PEM certificate chain; with --tls-key the port serves only HTTPS and
  --tls-key FILE             WSS (TLS 1.2+), and session cookies get Secure. Both or neither.
  --trust-proxy              behind a reverse proxy on this host: for requests from a loopback
                             peer, X-Forwarded-Proto: https marks the request as TLS (Secure
                             cookies) and the last X-Forwarded-For address is the client's IP
                             (rate limits). Off by default: never enable it without such a proxy.

OpenID Connect sign-in (repeat --oidc for several providers):
  --oidc NAME,ISSUER,CLIENT_ID[,DISPLAY_NAME]
                             a provider by discovery ("google" as NAME with an empty ISSUER uses
                             https://accounts.google.com); the client secret comes from the
                             environment variable CHATD_OIDC_<NAME>_SECRET (upper case), never argv
  --oidc-allow-http-loopback dev/test only: accept a plain-HTTP issuer on 127.0.0.1

Signals: SIGTERM or SIGINT stop accepting, flush pending appends, close sockets with 1001, exit 0.
Logs go to stderr, one line each.
)";
}

std::optional<options> parse_options(int argc, char** argv, std::string& error) {
  options o;
  if (const char* env = std::getenv("CHAT_DB"); env && *env) o.db_url = env;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool has_value = false;
    if (auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    auto need = [&](std::string& out) {
      if (has_value) {
        out = value;
        return true;
      }
      if (i + 1 >= argc) {
        error = arg + " needs a value";
        return false;
      }
      out = argv[++i];
      return true;
    };
    std::string v;
    if (arg == "--help" || arg == "-h") {
      o.help = true;
    } else if (arg == "--listen") {
      if (!need(v)) return std::nullopt;
      if (!parse_listen(v, o)) {
        error = "--listen wants ADDR:PORT, got '" + v + "'";
        return std::nullopt;
      }
    } else if (arg == "--db") {
      if (!need(o.db_url)) return std::nullopt;
    } else if (arg == "--idle-passivation" || arg == "--shutdown-deadline") {
      if (!need(v)) return std::nullopt;
      auto d = parse_duration(v);
      if (!d || d->count() <= 0) {
        error = arg + " wants a duration like 300s, 500ms or 5m, got '" + v + "'";
        return std::nullopt;
      }
      (arg == "--idle-passivation" ? o.idle_passivation : o.shutdown_deadline) = *d;
    } else if (arg == "--web-root") {
      if (!need(o.web_root)) return std::nullopt;
    } else if (arg == "--migrations-dir") {
      if (!need(o.migrations_dir)) return std::nullopt;
    } else if (arg == "--no-migrate") {
      o.no_migrate = true;
    } else if (arg == "--public-url") {
      if (!need(o.public_url)) return std::nullopt;
    } else if (arg == "--threads" || arg == "--blocking-threads") {
      if (!need(v)) return std::nullopt;
      auto n = parse_int(v, 1, 64);
      if (!n) {
        error = arg + " wants a number from 1 to 64, got '" + v + "'";
        return std::nullopt;
      }
      (arg == "--threads" ? o.io_threads : o.blocking_threads) = *n;
    } else if (arg == "--requests-per-second" || arg == "--request-burst") {
      // For benchmarks and load tests: the protocol's documented limit is the default.
      if (!need(v)) return std::nullopt;
      auto n = parse_int(v, 1, 10'000'000);
      if (!n) {
        error = arg + " wants a positive number, got '" + v + "'";
        return std::nullopt;
      }
      (arg == "--requests-per-second" ? o.requests_per_second : o.request_burst) = *n;
    } else if (arg == "--oidc") {
      // NAME,ISSUER,CLIENT_ID[,DISPLAY_NAME]; the secret only from the environment.
      if (!need(v)) return std::nullopt;
      std::vector<std::string> parts;
      std::size_t start = 0;
      while (true) {
        auto comma = v.find(',', start);
        parts.push_back(v.substr(start, comma - start));
        if (comma == std::string::npos) break;
        start = comma + 1;
      }
      if (parts.size() < 3 || parts[0].empty() || parts[2].empty()) {
        error = "--oidc wants NAME,ISSUER,CLIENT_ID[,DISPLAY_NAME]";
        return std::nullopt;
      }
      auth::oidc_provider_config p;
      p.name = parts[0];
      p.issuer = parts[1];
      if (p.issuer.empty() && p.name == "google") p.issuer = "https://accounts.google.com";
      p.client_id = parts[2];
      p.display_name = parts.size() > 3 ? parts[3] : parts[0];
      std::string env = "CHATD_OIDC_";
      for (char c : p.name) env.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c);
      env += "_SECRET";
      if (const char* s = std::getenv(env.c_str())) p.client_secret = s;
      o.oidc_providers.push_back(std::move(p));
    } else if (arg == "--oidc-allow-http-loopback") {
      o.allow_http_loopback_issuer = true;
    } else if (arg == "--tls-cert") {
      if (!need(o.tls_cert)) return std::nullopt;
    } else if (arg == "--tls-key") {
      if (!need(o.tls_key)) return std::nullopt;
    } else if (arg == "--trust-proxy") {
      o.trust_proxy = true;
    } else {
      error = "unknown flag '" + arg + "' (see --help)";
      return std::nullopt;
    }
  }
  if (o.tls_cert.empty() != o.tls_key.empty()) {
    error = "--tls-cert and --tls-key go together: give both or neither";
    return std::nullopt;
  }
  return o;
}

}  // namespace chat::apps
