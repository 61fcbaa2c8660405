#include "apps/chatd/settings.hpp"

#include <CLI/CLI.hpp>

#include <charconv>
#include <cstdlib>
#include <string_view>
#include <vector>

#include "util/text.hpp"

namespace chat::apps {
namespace {

using namespace std::chrono;

constexpr const char* tls_group = "TLS and reverse proxies";
constexpr const char* oidc_group = "OpenID Connect sign-in";
constexpr const char* limits_group = "Limits and timeouts";
constexpr const char* test_group = "Development and tests only";
constexpr const char* admin_group = "Admin surface (chatctl, docs/admin.md)";

std::optional<long long> parse_number(std::string_view s) {
  long long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

// "host:port", "[v6]:port" or ":port".
std::optional<std::pair<std::string, std::uint16_t>> parse_listen(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto port = parse_number(text.substr(colon + 1));
  if (!port || *port < 0 || *port > 65535) return std::nullopt;
  std::string host(text.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  return std::pair{host.empty() ? std::string("127.0.0.1") : host,
                   static_cast<std::uint16_t>(*port)};
}

// "BURST,PER_MINUTE", both positive.
std::optional<auth::config::rate_limit> parse_rate(std::string_view text) {
  auto parts = util::split(text, ',');
  if (parts.size() != 2) return std::nullopt;
  auto burst = parse_number(util::trim(parts[0]));
  auto per_minute = parse_number(util::trim(parts[1]));
  if (!burst || !per_minute || *burst < 1 || *per_minute < 1) return std::nullopt;
  return auth::config::rate_limit{double(*burst), double(*per_minute)};
}

std::string format_rate(const auth::config::rate_limit& r) {
  return std::to_string(static_cast<long long>(r.burst)) + "," +
         std::to_string(static_cast<long long>(r.per_minute));
}

// NAME,ISSUER,CLIENT_ID[,DISPLAY_NAME]; the secret only from the environment, never argv.
std::optional<auth::oidc_provider_config> parse_oidc(std::string_view text) {
  auto parts = util::split(text, ',');
  if (parts.size() < 3 || parts.size() > 4 || parts[0].empty() || parts[2].empty())
    return std::nullopt;
  auth::oidc_provider_config p;
  p.name = std::string(parts[0]);
  p.issuer = std::string(parts[1]);
  if (p.issuer.empty() && p.name == "google") p.issuer = "https://accounts.google.com";
  p.client_id = std::string(parts[2]);
  p.display_name = std::string(parts.size() > 3 ? parts[3] : parts[0]);
  return p;
}

std::string env_name(std::string_view flag) {
  std::string out = "CHATD_";
  for (char c : flag.substr(2))
    out.push_back(c == '-' ? '_' : (c >= 'a' && c <= 'z') ? char(c - 32) : c);
  return out;
}

/// A duration knob ("300s", "500ms", "5m"): shown with its default, refused when it rounds to
/// nothing in the unit of its config field.
template <class Duration>
CLI::Option* add_duration(CLI::App& app, const std::string& name, Duration& target,
                          const std::string& help) {
  auto* opt = app.add_option_function<std::string>(
      name,
      [&target](const std::string& v) {
        target = duration_cast<Duration>(*util::parse_duration(v));
      },
      help);
  opt->check(CLI::Validator(
      [](std::string& v) -> std::string {
        auto d = util::parse_duration(v);
        if (!d || duration_cast<Duration>(*d).count() <= 0)
          return "wants a duration like 300s, 500ms or 5m, got '" + v + "'";
        return {};
      },
      ""));
  opt->type_name("TIME");
  opt->default_str(util::format_duration(duration_cast<milliseconds>(target)));
  return opt;
}

CLI::Option* add_rate(CLI::App& app, const std::string& name, auth::config::rate_limit& target,
                      const std::string& help) {
  auto* opt = app.add_option_function<std::string>(
      name, [&target](const std::string& v) { target = *parse_rate(v); }, help);
  opt->check(CLI::Validator(
      [](std::string& v) -> std::string {
        return parse_rate(v) ? ""
                             : "wants BURST,PER_MINUTE (two positive numbers), got '" + v + "'";
      },
      ""));
  opt->type_name("BURST,PER_MIN");
  opt->default_str(format_rate(target));
  opt->group(limits_group);
  return opt;
}

}  // namespace

parsed_settings parse_settings(int argc, const char* const* argv) {
  settings s;
  CLI::App app{
      "A realtime chat server: HTTP + WebSocket on one port, an event log in SQLite or "
      "MariaDB/MySQL.",
      "chatd"};
  app.set_config("--config", "",
                 "read settings from this TOML/INI file (keys are the flag names without "
                 "dashes, e.g. listen = \"127.0.0.1:8080\")");
  app.footer(
      "Flags win over the config file, which wins over the environment (CHATD_<FLAG>, e.g.\n"
      "CHATD_LISTEN; --db also reads CHAT_DB). Signals: SIGTERM or SIGINT stop accepting, flush\n"
      "pending appends, close sockets with 1001, exit 0. Logs go to stderr, one line each.");

  // Where and what to serve.
  std::string listen = s.gateway.address + ":" + std::to_string(s.gateway.port);
  app.add_option_function<std::string>(
         "--listen",
         [&s](const std::string& v) {
           auto l = *parse_listen(v);
           s.gateway.address = l.first;
           s.gateway.port = l.second;
         },
         "where to listen (port 0 = any free port)")
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            return parse_listen(v) ? "" : "wants ADDR:PORT, got '" + v + "'";
          },
          ""))
      ->type_name("ADDR:PORT")
      ->default_str(listen);
  app.add_option("--db", s.db_url, "sqlite:<path> or mysql://user:pass@host:port/db")
      ->capture_default_str()
      ->type_name("URL")
      ->envname("CHAT_DB");
  app.add_option("--web-root", s.gateway.web_root, "serve the built web client from DIR")
      ->type_name("DIR");
  app.add_option("--migrations-dir", s.migrations_dir,
                 "apply the SQL migrations in DIR instead of those compiled into chatd")
      ->type_name("DIR");
  app.add_flag("--no-migrate", s.no_migrate,
               "do not apply migrations; refuse to start if any are pending");
  app.add_option("--public-url", s.auth.public_base_url,
                 "how browsers reach this server (default http://<listen address>)")
      ->type_name("URL");
  std::string level = "info";
  app.add_option("--log-level", level, "lowest level logged")
      ->capture_default_str()
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

  // Threads and actors.
  app.add_option("--threads", s.gateway.io_threads, "I/O threads (each connection on a strand)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--blocking-threads", s.gateway.blocking_threads,
                 "threads for blocking auth/database calls")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_option("--auth-db-connections", s.auth.db_pool_size,
                 "database connections held by the auth service")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  add_duration(app, "--idle-passivation", s.actors.idle_passivation,
               "stop actors idle this long (they rebuild from the log on next use)");
  app.add_option("--directory-shards", s.actors.directory_shards,
                 "directory shard actors (conversation and user placement)")
      ->capture_default_str()
      ->check(CLI::Range(1, 256));
  app.add_option("--max-batch", s.actors.max_batch, "most events the log writer commits at once")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  add_duration(app, "--activity-interval", s.actors.activity_interval,
               "a conversation's place in the conversation list (one row per member) is written at "
               "most this often (a busy conversation's place lags by at most this much)");
  add_duration(app, "--search-index-delay", s.actors.search_index_delay,
               "the search indexer waits this long after a commit, so a round takes many "
               "(search lags the ack by about this much)");
  app.add_option("--actor-threads", s.actor_threads,
                 "CAF scheduler threads (actors; blocking database work has its own threads); 0 = "
                 "one per CPU this process may run on")
      ->capture_default_str()
      ->check(CLI::Range(0, 64));
  app.add_option("--scheduler", s.scheduler,
                 "CAF scheduler: sharing sleeps when idle; stealing polls (more idle CPU)")
      ->capture_default_str()
      ->check(CLI::IsMember({"sharing", "stealing"}));
  add_duration(app, "--shutdown-deadline", s.shutdown_deadline,
               "longest graceful shutdown on SIGTERM/SIGINT");

  // Limits and timeouts.
  app.add_option("--requests-per-second", s.actors.requests_per_second,
                 "per-connection request rate (token bucket; the protocol's limit by default)")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e7))
      ->group(limits_group);
  app.add_option("--request-burst", s.actors.request_burst, "per-connection burst")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e7))
      ->group(limits_group);
  app.add_option("--db-work-burst", s.actors.db_work_burst,
                 "per-user database budget in units (list_conversations 4, search 2, "
                 "search_users 1), shared by all of a user's connections")
      ->capture_default_str()
      ->check(CLI::Range(1.0, 1e7))
      ->group(limits_group);
  app.add_option("--db-work-per-second", s.actors.db_work_per_second,
                 "units refilled per second into each user's database budget")
      ->capture_default_str()
      ->check(CLI::Range(0.01, 1e7))
      ->group(limits_group);
  app.add_option_function<std::string>(
         "--sync-hold",
         [&s](const std::string& v) {
           s.actors.sync_hold = duration_cast<milliseconds>(*util::parse_duration(v));
         },
         "after welcome, live events wait at most this long for the client's first request, so "
         "a sync sent after welcome replays before them (docs/protocol.md 10); 0 writes them at "
         "once")
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            return util::parse_duration(v)
                       ? ""
                       : "wants a duration like 1s, 250ms or 0, got '" + v + "'";
          },
          ""))
      ->type_name("TIME")
      ->default_str(util::format_duration(s.actors.sync_hold))
      ->group(limits_group);
  add_duration(app, "--hello-timeout", s.gateway.hello_timeout,
               "a credential-less WebSocket must send hello this fast")
      ->group(limits_group);
  add_duration(app, "--http-timeout", s.gateway.http_timeout, "per HTTP read and write")
      ->group(limits_group);
  add_duration(app, "--ws-idle-timeout", s.gateway.ws_idle_timeout,
               "close a WebSocket silent this long (pinged at half of it)")
      ->group(limits_group);
  app.add_option("--max-http-body", s.gateway.max_http_body, "HTTP request body limit in bytes")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1024}, std::size_t{64} << 20))
      ->group(limits_group);
  app.add_option("--max-attachment-bytes", s.gateway.attachments.max_bytes,
                 "largest attachment upload in bytes (413 above)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30))
      ->group(limits_group);
  add_duration(app, "--attachment-grace", s.gateway.attachments.orphan_grace,
               "keep an upload no message references this long (also a deleted message's files)")
      ->group(limits_group);
  add_duration(app, "--attachment-sweep-interval", s.gateway.attachments.sweep_interval,
               "how often attachments nobody references are removed from disk")
      ->group(limits_group);
  app.add_option("--max-http-header", s.gateway.max_http_header,
                 "HTTP request header limit in bytes")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 20))
      ->group(limits_group);
  // Backpressure per WebSocket (docs/operations.md, "Slow clients").
  const auto bytes_range = CLI::Range(std::size_t{1024}, std::size_t{1} << 30);
  app.add_option("--ws-batch-bytes", s.gateway.backlog.batch_bytes,
                 "most bytes coalesced into one socket write")
      ->capture_default_str()
      ->check(bytes_range)
      ->group(limits_group);
  app.add_option("--ws-throttle-bytes", s.gateway.backlog.throttle_bytes,
                 "unread bytes above which a client's reads pause and a sync replay waits")
      ->capture_default_str()
      ->check(bytes_range)
      ->group(limits_group);
  app.add_option("--ws-max-backlog-bytes", s.gateway.backlog.max_bytes,
                 "unread bytes above which a client is closed with 4008")
      ->capture_default_str()
      ->check(bytes_range)
      ->group(limits_group);
  add_duration(app, "--ws-stall-timeout", s.gateway.backlog.stall_timeout,
               "close 4008 when the socket accepted nothing this long while frames wait")
      ->group(limits_group);
  add_duration(app, "--ws-close-grace", s.gateway.backlog.close_grace,
               "how long a closing socket may take to take its close frame before it is reset")
      ->group(limits_group);
  add_duration(app, "--session-ttl", s.auth.session_ttl,
               "sign-in sessions last this long after their last use")
      ->group(limits_group);
  add_duration(app, "--auth-wait", s.gateway.auth_wait,
               "longest wait for a session check on an upgrade or hello token (then HTTP 503 / "
               "close 1013: try again)")
      ->group(limits_group);
  app.add_option("--max-connections-per-ip", s.gateway.max_connections_per_ip,
                 "open connections per client address (0 = no cap; loopback peers are exempt "
                 "with --trust-proxy)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1'000'000))
      ->group(limits_group);
  app.add_option("--hash-threads", s.auth.hash_threads,
                 "threads hashing passwords (login, register; each argon2id call holds 64 MiB)")
      ->capture_default_str()
      ->check(CLI::Range(1, 64))
      ->group(limits_group);
  app.add_option("--hash-queue", s.auth.hash_queue,
                 "sign-ins waiting for a hashing thread; beyond it HTTP 503 (try again)")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}))
      ->group(limits_group);
  add_rate(app, "--login-per-ip", s.auth.login_per_ip, "POST /api/login per client IP");
  add_rate(app, "--login-per-username", s.auth.login_per_username, "POST /api/login per username");
  add_rate(app, "--register-per-ip", s.auth.register_per_ip,
           "POST /api/register and /api/choose-username per client IP");
  add_rate(app, "--lookup-per-ip", s.auth.lookup_per_ip, "GET /api/username per client IP");
  add_rate(app, "--oidc-start-per-ip", s.auth.oidc_start_per_ip,
           "OpenID Connect start and callback per client IP");

  // TLS and reverse proxies.
  app.add_option("--tls-cert", s.gateway.tls_cert_file,
                 "PEM certificate chain; with --tls-key the port serves only HTTPS and WSS (TLS "
                 "1.2+) and session cookies get Secure")
      ->type_name("FILE")
      ->group(tls_group);
  app.add_option("--tls-key", s.gateway.tls_key_file, "PEM private key (with --tls-cert)")
      ->type_name("FILE")
      ->group(tls_group);
  add_duration(app, "--tls-handshake-timeout", s.gateway.tls_handshake_timeout,
               "a TLS handshake must finish this fast")
      ->group(tls_group);
  app.add_flag("--trust-proxy", s.gateway.trust_proxy,
               "behind a reverse proxy on this host: for loopback peers, X-Forwarded-Proto: https "
               "marks the request as TLS and the last X-Forwarded-For address is the client's IP. "
               "Never enable it without such a proxy")
      ->group(tls_group);

  app.add_option("--allowed-origin", s.gateway.allowed_origins,
                 "another origin whose pages may open /ws (repeatable), e.g. "
                 "https://chat.example.com; the server's own origin always may")
      ->type_name("ORIGIN")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->group(tls_group);
  app.add_option_function<std::string>(
         "--metrics-listen",
         [&s](const std::string& v) {
           auto l = *parse_listen(v);
           s.gateway.metrics_address = l.first;
           s.gateway.metrics_port = l.second;
         },
         "serve /metrics (and /healthz) here, loopback only (default: off; /metrics is never "
         "served on the public port)")
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            return parse_listen(v) ? "" : "wants ADDR:PORT, got '" + v + "'";
          },
          ""))
      ->type_name("ADDR:PORT")
      ->group(tls_group);

  // OpenID Connect.
  std::vector<std::string> oidc;
  app.add_option("--oidc", oidc,
                 "a provider by discovery, repeatable (\"google\" with an empty ISSUER uses "
                 "https://accounts.google.com); its client secret comes from the environment "
                 "variable CHATD_OIDC_<NAME>_SECRET (upper case), never argv")
      ->type_name("NAME,ISSUER,CLIENT_ID[,DISPLAY_NAME]")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll)
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            return parse_oidc(v) ? "" : "wants NAME,ISSUER,CLIENT_ID[,DISPLAY_NAME]";
          },
          ""))
      ->group(oidc_group);
  app.add_flag("--oidc-allow-http-loopback", s.auth.allow_http_loopback_issuer,
               "accept a plain-HTTP issuer on 127.0.0.1")
      ->group(test_group);
  app.add_option("--oidc-ca-file", s.auth.extra_ca_file,
                 "extra PEM CA file trusted for provider HTTPS, besides the system store")
      ->type_name("FILE")
      ->group(oidc_group);
  app.add_flag("--fast-password-hashing", s.auth.fast_password_hashing,
               "argon2id with libsodium's minimum limits (tests only: weak hashes)")
      ->group(test_group);

  // Admin surface.
  app.add_option("--attachments-dir", s.attachments_dir,
                 "where uploaded files are stored (content-addressed); default: "
                 "<data dir>/attachments, beside the SQLite file");
  app.add_option("--data-dir", s.data_dir,
                 "where chatd keeps its admin socket and token (default: the SQLite file's "
                 "directory, or the working directory with MySQL)")
      ->type_name("DIR")
      ->group(admin_group);
  app.add_option("--admin-socket", s.admin_socket,
                 "Unix socket for chatctl, mode 0600 (default DIR/chatd-admin.sock; \"none\" "
                 "turns it off)")
      ->type_name("PATH")
      ->group(admin_group);
  app.add_option_function<std::string>(
         "--admin-listen",
         [&s](const std::string& v) {
           auto l = *parse_listen(v);
           s.admin_listen_host = l.first;
           s.admin_listen_port = l.second;
         },
         "also serve the admin protocol on TCP, loopback only (127.0.0.1:PORT or [::1]:PORT); "
         "every request must carry the token from --admin-token-file. Never served on the "
         "public port")
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            return parse_listen(v) ? "" : "wants ADDR:PORT, got '" + v + "'";
          },
          ""))
      ->type_name("ADDR:PORT")
      ->group(admin_group);
  app.add_option("--admin-token-file", s.admin_token_file,
                 "the TCP admin listener's token, created (mode 0600, random) at first start "
                 "(default DIR/chatd-admin.token)")
      ->type_name("FILE")
      ->group(admin_group);

  for (auto* opt : app.get_options()) {
    const auto& name = opt->get_name();  // "--flag" (or "-h,--help")
    if (opt->get_envname().empty() && name.rfind("--", 0) == 0 && name != "--config" &&
        name != "--help")
      opt->envname(env_name(name));
  }

  parsed_settings out;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out.text = app.help();
    return out;
  } catch (const CLI::ParseError& e) {
    out.exit_code = 2;
    out.text = std::string("chatd: ") + e.what() + " (see --help)\n";
    return out;
  }
  if (s.gateway.tls_cert_file.empty() != s.gateway.tls_key_file.empty()) {
    out.exit_code = 2;
    out.text = "chatd: --tls-cert and --tls-key go together: give both or neither\n";
    return out;
  }
  if (!s.gateway.metrics_address.empty() && !is_loopback(s.gateway.metrics_address)) {
    out.exit_code = 2;
    out.text = "chatd: --metrics-listen is refused on the non-loopback address '" +
               s.gateway.metrics_address + "': metrics are for this host's scraper only\n";
    return out;
  }
  if (!s.admin_listen_host.empty() && !is_loopback(s.admin_listen_host)) {
    // The token would cross the network in clear text; the admin listener does not speak TLS.
    out.exit_code = 2;
    out.text = "chatd: --admin-listen is refused on the non-loopback address '" +
               s.admin_listen_host +
               "': the admin protocol has no TLS; use 127.0.0.1 (or the Unix socket) and an SSH "
               "tunnel\n";
    return out;
  }
  for (const auto& spec : oidc) {
    auto p = *parse_oidc(spec);
    std::string env = "CHATD_OIDC_";
    for (char c : p.name) env.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c);
    env += "_SECRET";
    if (const char* secret = std::getenv(env.c_str())) p.client_secret = secret;
    s.auth.providers.push_back(std::move(p));
  }
  s.log_level = *logging::parse_level(level);
  s.actors.db_url = s.db_url;
  s.auth.db_url = s.db_url;
  out.run = std::move(s);
  return out;
}

bool is_loopback(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  // 127.0.0.0/8, written as four decimal parts.
  if (host.rfind("127.", 0) != 0) return false;
  auto parts = util::split(host, '.');
  if (parts.size() != 4) return false;
  for (auto part : parts) {
    auto n = parse_number(part);
    if (!n || *n < 0 || *n > 255) return false;
  }
  return true;
}

admin_paths resolve_admin_paths(const settings& s) {
  admin_paths p;
  p.data_dir = s.data_dir;
  if (p.data_dir.empty()) {
    p.data_dir = ".";
    constexpr std::string_view prefix = "sqlite:";
    if (s.db_url.rfind(prefix, 0) == 0) {
      auto path = s.db_url.substr(prefix.size());
      auto slash = path.rfind('/');
      if (slash != std::string::npos) p.data_dir = slash == 0 ? "/" : path.substr(0, slash);
    }
  }
  p.explicit_socket = !s.admin_socket.empty() || !s.data_dir.empty();
  p.socket = s.admin_socket.empty() ? p.data_dir + "/chatd-admin.sock" : s.admin_socket;
  if (p.socket == "none") p.socket.clear();
  p.token_file =
      s.admin_token_file.empty() ? p.data_dir + "/chatd-admin.token" : s.admin_token_file;
  return p;
}

}  // namespace chat::apps
