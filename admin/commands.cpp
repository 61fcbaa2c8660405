#include "admin/commands.hpp"
#include "logging/logger.hpp"

#include <fmt/format.h>

#include <chrono>
#include <map>

#include "actors/server.hpp"
#include "admin/command_table.hpp"
#include "persistence/audit_store.hpp"

namespace chat::admin {

namespace detail {

std::unique_ptr<persistence::database> open_db(const context& ctx) {
  auto db = persistence::database::open(ctx.db_url);
  if (!db) fail(db.err());
  return std::move(*db);
}

void fail(const persistence::error& e) {
  using persistence::errc;
  switch (e.code) {
    case errc::not_found:
      throw command_error{codes::not_found, e.message};
    case errc::unavailable:
      throw command_error{codes::unavailable, "database unavailable: " + e.message};
    default:
      throw command_error{codes::internal, e.message};
  }
}

json cmd_status(call& c) {
  using namespace std::chrono;
  json j{{"version", c.ctx.version},
         {"uptime_s", duration_cast<seconds>(steady_clock::now() - c.ctx.started).count()}};
  auto cfg = persistence::db_config::parse(c.ctx.db_url);
  json db{{"backend", cfg && cfg->kind == persistence::backend::mysql ? "mysql" : "sqlite"},
          {"url", cfg ? cfg->describe() : std::string("?")}};
  auto t0 = steady_clock::now();
  auto conn = persistence::database::open(c.ctx.db_url);
  if (conn) {
    auto st = persistence::audit_store(**conn).ping();
    db["healthy"] = st.ok();
    if (!st) db["error"] = st.err().message;
  } else {
    db["healthy"] = false;
    db["error"] = conn.err().message;
  }
  db["check_ms"] = duration_cast<microseconds>(steady_clock::now() - t0).count() / 1000.0;
  j["database"] = db;
  if (c.ctx.actors) {
    // The database half of status still answers when the actors do not.
    try {
      j.update(detail::live_summary(c));
    } catch (const detail::command_error& e) {
      j["live_error"] = e.message;
    }
    auto m = c.ctx.actors->snapshot();
    j["connections"] = m.connections;
    j["live_users"] = m.live_users;
    j["live_conversations"] = m.live_conversations;
    j["frames_in"] = m.frames_in;
    j["frames_out"] = m.frames_out;
    j["log_batches"] = m.log_batches;
    j["log_events"] = m.log_events;
  }
  return j;
}

}  // namespace detail

namespace {

using detail::call;
using command_fn = json (*)(call&);

const std::map<std::string, command_fn, std::less<>>& table() {
  static const std::map<std::string, command_fn, std::less<>> t{
      {"status", detail::cmd_status},
      {"log", detail::cmd_log},
      {"verify", detail::cmd_verify},
      {"conversation.export", detail::cmd_export},
      {"sessions.list", detail::cmd_sessions_list},
      {"sessions.revoke", detail::cmd_sessions_revoke},
      {"user.disable", detail::cmd_user_disable},
      {"user.enable", detail::cmd_user_enable},
      {"actors", detail::cmd_actors},
      {"inspect", detail::cmd_inspect},
      {"passivate", detail::cmd_passivate},
      {"disconnect", detail::cmd_disconnect},
  };
  return t;
}

}  // namespace

handler make_handler(std::shared_ptr<context> ctx) {
  return [ctx](const request& req, reply_sink& out) {
    auto it = table().find(req.cmd);
    if (it == table().end()) {
      out.emit(error_line(codes::unknown_command, fmt::format("unknown command '{}'", req.cmd)));
      return;
    }
    call c{*ctx, req.args, out};
    try {
      auto result = it->second(c);
      out.emit(ok_line(result));
    } catch (const bad_argument& e) {
      out.emit(error_line(codes::bad_request, e.message));
    } catch (const detail::command_error& e) {
      out.emit(error_line(e.code, e.message));
    } catch (const std::exception& e) {
      CHAT_LOG_WARN("admin", "{} failed: {}", req.cmd, e.what());
      out.emit(error_line(codes::internal, e.what()));
    }
  };
}

}  // namespace chat::admin
