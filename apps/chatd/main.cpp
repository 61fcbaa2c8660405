// chatd: parse flags, open the database, apply migrations, start the actor system, the auth
// service and the gateway; on SIGTERM/SIGINT stop in order. Everything real lives in the libraries.
#include <fmt/format.h>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <filesystem>

#include "actors/server.hpp"
#include "admin/commands.hpp"
#include "admin/listener.hpp"
#include "admin/token.hpp"
#include "apps/chatd/settings.hpp"
#include "auth/service.hpp"
#include "gateway/server.hpp"
#include "logging/logger.hpp"
#include "persistence/database.hpp"
#include "persistence/migrations.hpp"

namespace {

// Opens the database once to bring the schema up to date (or to check it, with --no-migrate).
bool prepare_schema(const chat::apps::settings& o) {
  auto cfg = chat::persistence::db_config::parse(o.db_url);
  if (!cfg) {
    CHAT_LOG_ERROR("chatd", "bad --db: {}", cfg.err().message);
    return false;
  }
  CHAT_LOG_INFO("chatd", "database: {}", cfg->describe());
  auto db = chat::persistence::database::open(*cfg);
  if (!db) {
    CHAT_LOG_ERROR("chatd", "cannot open database: {}", db.err().message);
    return false;
  }
  const std::string from = o.migrations_dir.empty() ? "embedded" : o.migrations_dir;
  auto report = o.migrations_dir.empty()
                    ? chat::persistence::migrate_embedded(**db, o.no_migrate)
                    : chat::persistence::migrate(**db, o.migrations_dir, o.no_migrate);
  if (!report) {
    if (o.no_migrate)
      CHAT_LOG_ERROR("chatd", "refusing to start (--no-migrate): {}", report.err().message);
    else
      CHAT_LOG_ERROR("chatd", "migrations failed: {}", report.err().message);
    return false;
  }
  for (const auto& name : report->applied) CHAT_LOG_INFO("chatd", "migration applied: {}", name);
  CHAT_LOG_INFO("chatd", "migrations: {} applied now, {} already applied ({})",
                report->applied.size(), report->already_applied, from);
  return true;
}

/// The admin listener (docs/admin.md), or nothing when it is off. A default socket path that a
/// running chatd already serves only turns the surface off; a chosen one that fails is fatal.
std::optional<std::unique_ptr<chat::admin::listener>> start_admin(const chat::apps::settings& o,
                                                                  chat::actors::server& actors) {
  auto paths = chat::apps::resolve_admin_paths(o);
  std::error_code ec;
  if (!o.data_dir.empty() && !std::filesystem::exists(paths.data_dir, ec)) {
    std::filesystem::create_directories(paths.data_dir, ec);
    if (ec) {
      CHAT_LOG_ERROR("chatd", "cannot create --data-dir {}: {}", paths.data_dir, ec.message());
      return std::nullopt;
    }
    ::chmod(paths.data_dir.c_str(), 0700);
  }
  chat::admin::listener_config cfg;
  cfg.socket_path = paths.socket;
  if (!o.admin_listen_host.empty()) {
    auto token = chat::admin::load_or_create_token(paths.token_file);
    if (!token) {
      CHAT_LOG_ERROR("chatd", "{}", token.err().message);
      return std::nullopt;
    }
    cfg.tcp_host = o.admin_listen_host;
    cfg.tcp_port = o.admin_listen_port;
    cfg.token = std::move(*token);
  }
  if (cfg.socket_path.empty() && cfg.tcp_host.empty())
    return std::unique_ptr<chat::admin::listener>();
  auto ctx = std::make_shared<chat::admin::context>();
  ctx->db_url = o.db_url;
  ctx->version = CHATD_VERSION;
  ctx->actors = &actors;
  auto l = chat::admin::listener::start(cfg, chat::admin::make_handler(ctx));
  if (!l && !paths.explicit_socket && o.admin_listen_host.empty()) {
    CHAT_LOG_WARN("chatd", "{}; admin surface off (pass --data-dir or --admin-socket)",
                  l.err().message);
    return std::unique_ptr<chat::admin::listener>();
  }
  if (!l) {
    CHAT_LOG_ERROR("chatd", "{}", l.err().message);
    return std::nullopt;
  }
  if (!cfg.socket_path.empty()) CHAT_LOG_INFO("chatd", "admin socket {}", cfg.socket_path);
  if (!cfg.tcp_host.empty())
    CHAT_LOG_INFO("chatd", "admin listening on {}:{} (token in {})", cfg.tcp_host, (*l)->tcp_port(),
                  paths.token_file);
  return std::move(*l);
}

// Raises the soft fd limit to the hard one; says how many connections that leaves room for.
void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  auto before = lim.rlim_cur;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) lim.rlim_cur = before;
  }
  // One descriptor per connection; keep some for the database, log files and the listener.
  constexpr rlim_t reserved = 64;
  auto capacity = lim.rlim_cur > reserved ? lim.rlim_cur - reserved : 0;
  CHAT_LOG_INFO("chatd",
                "file descriptors: soft limit {} (was {}, hard {}): room for about {} connections",
                lim.rlim_cur, before, lim.rlim_max, capacity);
}

/// `--actor-threads 0`: one CAF worker per CPU the process may run on (its affinity mask, so a
/// server pinned to one core gets one worker instead of two taking turns on it).
int actor_threads(int configured) {
  if (configured > 0) return configured;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return 2;
  return std::max(1, CPU_COUNT(&set));
}

}  // namespace

int main(int argc, char** argv) {
  auto parsed = chat::apps::parse_settings(argc, argv);
  if (!parsed.run) {
    std::fputs(parsed.text.c_str(), parsed.exit_code == 0 ? stdout : stderr);
    return parsed.exit_code;
  }
  auto& o = *parsed.run;
  chat::logging::set_level(o.log_level);
  raise_fd_limit();
  if (!prepare_schema(o)) return 1;

  caf::actor_system_config caf_cfg;
  caf_cfg.set("scheduler.max-threads", actor_threads(o.actor_threads));
  // The sharing policy's workers wait on a condition variable when idle; work stealing polls
  // (measured: up to a third of a core at a 200/s DM echo).
  caf_cfg.set("scheduler.policy",
              o.scheduler == "sharing" ? caf::atom("sharing") : caf::atom("stealing"));
  caf::actor_system sys{caf_cfg};

  auto actors = chat::actors::server::start(sys, o.actors);
  if (!actors) {
    CHAT_LOG_ERROR("chatd", "cannot start the actor system: {}", actors.err().message);
    return 1;
  }
  CHAT_LOG_INFO("chatd", "actor system started (idle passivation {} ms)",
                o.actors.idle_passivation.count());

  o.gateway.attachments.dir = o.attachments_dir.empty()
                                  ? chat::apps::resolve_admin_paths(o).data_dir + "/attachments"
                                  : o.attachments_dir;
  o.gateway.attachments.db_url = o.db_url;
  const auto& gw_cfg = o.gateway;
  const char* scheme = gw_cfg.tls_cert_file.empty() ? "http" : "https";
  // Auth only uses the public URL for OIDC redirect URIs; with --listen ...:0 and OIDC, pass
  // --public-url (the real port is known only after the gateway binds, and auth comes first).
  if (o.auth.public_base_url.empty() && gw_cfg.port != 0)
    o.auth.public_base_url = fmt::format("{}://{}:{}", scheme, gw_cfg.address, gw_cfg.port);
  o.auth.metrics = &(*actors)->registry();
  auto auth = chat::auth::service::create(o.auth);
  if (!auth) {
    CHAT_LOG_ERROR("chatd", "cannot start the auth service: {}", auth.err().message);
    (*actors)->stop(o.shutdown_deadline);
    return 1;
  }

  {
    chat::gateway::server gw(gw_cfg, **actors, **auth);
    if (auto st = gw.start(); !st) {
      CHAT_LOG_ERROR("chatd", "{}", st.err().message);
      (*actors)->stop(o.shutdown_deadline);
      return 1;
    }
    auto admin = start_admin(o, **actors);
    if (!admin) {
      gw.stop(std::chrono::seconds(2));
      (*actors)->stop(o.shutdown_deadline);
      return 1;
    }
    if (!gw_cfg.web_root.empty())
      CHAT_LOG_INFO("chatd", "serving the web client from {}", gw_cfg.web_root);
    // Tests and scripts wait for exactly this line.
    if (gw.metrics_port() != 0)  // before the listening line, which tests wait for
      CHAT_LOG_INFO("chatd", "metrics on http://{}:{}/metrics", gw_cfg.metrics_address,
                    gw.metrics_port());
    CHAT_LOG_INFO("chatd", "chatd listening on {}://{}:{}", scheme, gw_cfg.address, gw.port());
    if (gw_cfg.trust_proxy)
      CHAT_LOG_INFO("chatd", "trusting X-Forwarded-Proto/-For from loopback peers (--trust-proxy)");

    int sig = gw.wait_for_signal();
    CHAT_LOG_INFO("chatd", "received {}: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    gw.stop_accepting();
    if (*admin) (*admin)->stop();
    CHAT_LOG_INFO("chatd", "stopped accepting connections");
    (*actors)->stop(o.shutdown_deadline);
    CHAT_LOG_INFO("chatd",
                  "actor system stopped: pending appends flushed, connections closed with 1001");
    gw.stop(std::chrono::seconds(2));
    CHAT_LOG_INFO("chatd", "gateway stopped");
  }
  auth->reset();
  actors->reset();
  CHAT_LOG_INFO("chatd", "bye");
  return 0;
}
