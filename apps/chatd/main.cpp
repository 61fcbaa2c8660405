// chatd: parse flags, open the database, apply migrations, start the actor system, the auth
// service and the gateway; on SIGTERM/SIGINT stop in order. Everything real lives in the libraries.
#include <fmt/format.h>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>

#include <csignal>
#include <cstdio>

#include "actors/server.hpp"
#include "apps/chatd/options.hpp"
#include "auth/service.hpp"
#include "gateway/log.hpp"
#include "gateway/server.hpp"
#include "persistence/database.hpp"
#include "persistence/migrations.hpp"

namespace {

using chat::gateway::log_line;

void log(std::string_view message) {
  log_line("chatd", message);
}

// Opens the database once to bring the schema up to date (or to check it, with --no-migrate).
bool prepare_schema(const chat::apps::options& o) {
  auto cfg = chat::persistence::db_config::parse(o.db_url);
  if (!cfg) {
    log(fmt::format("bad --db: {}", cfg.err().message));
    return false;
  }
  log(fmt::format("database: {}", cfg->describe()));
  auto db = chat::persistence::database::open(*cfg);
  if (!db) {
    log(fmt::format("cannot open database: {}", db.err().message));
    return false;
  }
  auto dir =
      o.migrations_dir.empty() ? chat::persistence::default_migrations_dir() : o.migrations_dir;
  auto report = chat::persistence::migrate(**db, dir, o.no_migrate);
  if (!report) {
    if (o.no_migrate)
      log(fmt::format("refusing to start (--no-migrate): {}", report.err().message));
    else
      log(fmt::format("migrations failed: {}", report.err().message));
    return false;
  }
  for (const auto& name : report->applied) log(fmt::format("migration applied: {}", name));
  log(fmt::format("migrations: {} applied now, {} already applied ({})", report->applied.size(),
                  report->already_applied, dir));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string error;
  auto parsed = chat::apps::parse_options(argc, argv, error);
  if (!parsed) {
    std::fprintf(stderr, "chatd: %s\n", error.c_str());
    return 2;
  }
  auto& o = *parsed;
  if (o.help) {
    std::fputs(chat::apps::usage().c_str(), stdout);
    return 0;
  }
  if (!prepare_schema(o)) return 1;

  caf::actor_system_config caf_cfg;
  caf_cfg.set("scheduler.max-threads", 2);
  caf::actor_system sys{caf_cfg};

  chat::actors::server_config actor_cfg;
  actor_cfg.db_url = o.db_url;
  actor_cfg.idle_passivation = o.idle_passivation;
  if (o.requests_per_second > 0) actor_cfg.requests_per_second = o.requests_per_second;
  if (o.request_burst > 0) actor_cfg.request_burst = o.request_burst;
  auto actors = chat::actors::server::start(sys, actor_cfg);
  if (!actors) {
    log(fmt::format("cannot start the actor system: {}", actors.err().message));
    return 1;
  }
  log(fmt::format("actor system started (idle passivation {} ms)", o.idle_passivation.count()));

  chat::auth::config auth_cfg;
  auth_cfg.db_url = o.db_url;
  auth_cfg.providers = o.oidc_providers;
  auth_cfg.allow_http_loopback_issuer = o.allow_http_loopback_issuer;
  chat::gateway::config gw_cfg;
  gw_cfg.address = o.listen_host;
  gw_cfg.port = o.listen_port;
  gw_cfg.io_threads = o.io_threads;
  gw_cfg.blocking_threads = o.blocking_threads;
  gw_cfg.web_root = o.web_root;
  gw_cfg.tls_cert_file = o.tls_cert;
  gw_cfg.tls_key_file = o.tls_key;
  gw_cfg.trust_proxy = o.trust_proxy;
  const char* scheme = o.tls_cert.empty() ? "http" : "https";

  // Auth only uses the public URL for OIDC redirect URIs; with --listen ...:0 and OIDC, pass
  // --public-url (the real port is known only after the gateway binds, and auth comes first).
  auth_cfg.public_base_url = o.public_url;
  if (auth_cfg.public_base_url.empty() && o.listen_port != 0)
    auth_cfg.public_base_url = fmt::format("{}://{}:{}", scheme, o.listen_host, o.listen_port);
  auto auth = chat::auth::service::create(auth_cfg);
  if (!auth) {
    log(fmt::format("cannot start the auth service: {}", auth.err().message));
    (*actors)->stop(o.shutdown_deadline);
    return 1;
  }

  {
    chat::gateway::server gw(gw_cfg, **actors, **auth);
    if (auto st = gw.start(); !st) {
      log(st.err().message);
      (*actors)->stop(o.shutdown_deadline);
      return 1;
    }
    if (!o.web_root.empty()) log(fmt::format("serving the web client from {}", o.web_root));
    // Tests and scripts wait for exactly this line.
    log(fmt::format("chatd listening on {}://{}:{}", scheme, o.listen_host, gw.port()));
    if (o.trust_proxy) log("trusting X-Forwarded-Proto/-For from loopback peers (--trust-proxy)");

    int sig = gw.wait_for_signal();
    log(fmt::format("received {}: shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT"));
    gw.stop_accepting();
    log("stopped accepting connections");
    (*actors)->stop(o.shutdown_deadline);
    log("actor system stopped: pending appends flushed, connections closed with 1001");
    gw.stop(std::chrono::seconds(2));
    log("gateway stopped");
  }
  auth->reset();
  actors->reset();
  log("bye");
  return 0;
}
