#include "apps/chatctl/commands.hpp"

#include <fmt/format.h>

#include <memory>
#include <set>

#include "apps/chatctl/exit_codes.hpp"
#include "apps/chatctl/table.hpp"
#include "apps/chatctl/top.hpp"

namespace chat::chatctl {

using admin::json;

namespace {

std::string render_event_table(const std::vector<json>& items) {
  table t({"SEQ", "TIME (UTC)", "TYPE", "SENDER", "CLIENT_MSG_ID", "PAYLOAD"});
  for (const auto& e : items) {
    std::string sender = fmt::format("{} ({})", text(e["sender_name"]), text(e["sender"]));
    std::string payload = e.value("payload", "");
    if (e.contains("subject"))
      payload =
          fmt::format("subject {} ({}) {}", text(e["subject_name"]), text(e["subject"]), payload);
    t.add({text(e["seq"]), format_time_ms(e.value("created_at_ms", std::int64_t{0})),
           text(e["type"]), sender, text(e["client_msg_id"]), shorten(payload, 60)});
  }
  return t.render();
}

std::string user_line(const json& u) {
  return fmt::format("{} (id {})", text(u["username"]), text(u["id"]));
}

/// A subcommand whose parse callback records `make()`'s invocation.
CLI::App* command(CLI::App& parent, std::vector<invocation>& chosen, const std::string& name,
                  const std::string& help, std::function<invocation()> make) {
  auto* sub = parent.add_subcommand(name, help);
  sub->callback([&chosen, make = std::move(make)] { chosen.push_back(make()); });
  return sub;
}

void add_status(CLI::App& app, std::vector<invocation>& chosen) {
  command(app, chosen, "status", "version, uptime, database health, live counts", [] {
    invocation inv{"status"};
    inv.human = [](const json& r, const std::vector<json>&) {
      std::string out;
      auto row = [&](const std::string& k, const std::string& v) {
        out += fmt::format("{:<22} {}\n", k, v);
      };
      row("version", text(r["version"]));
      row("uptime", format_duration_ms(r.value("uptime_s", 0.0) * 1000));
      const auto& db = r["database"];
      row("database",
          fmt::format("{} {} ({}, check {} ms)", text(db["backend"]), text(db["url"]),
                      db.value("healthy", false) ? "healthy" : "UNHEALTHY", text(db["check_ms"])));
      if (db.contains("error")) row("database error", text(db["error"]));
      if (r.contains("actors_by_kind")) {
        std::string kinds;
        for (auto& [k, v] : r["actors_by_kind"].items())
          kinds += fmt::format("{}{} {}", kinds.empty() ? "" : ", ", v.get<std::int64_t>(), k);
        row("actors", fmt::format("{} ({})", text(r["actors"]), kinds));
      }
      for (const char* k : {"connections", "live_users", "live_conversations"})
        if (r.contains(k)) row(k, text(r[k]));
      if (r.contains("messages_per_s")) {
        row("messages/s", fmt::format("{:.1f} (last {:.0f} s)", r.value("messages_per_s", 0.0),
                                      r.value("window_s", 0.0)));
        row("deliveries/s", fmt::format("{:.1f}", r.value("deliveries_per_s", 0.0)));
        row("ack latency", fmt::format("p50 {} ms, p99 {} ms", text(r["ack_ms"]["p50"]),
                                       text(r["ack_ms"]["p99"])));
        row("commit latency", fmt::format("p50 {} ms, p99 {} ms", text(r["commit_ms"]["p50"]),
                                          text(r["commit_ms"]["p99"])));
      }
      for (const char* k : {"frames_in", "frames_out", "log_batches", "log_events"})
        if (r.contains(k)) row(k, text(r[k]));
      return out;
    };
    return inv;
  });
}

void add_log(CLI::App& app, std::vector<invocation>& chosen) {
  auto* log = app.add_subcommand("log", "events straight from the event log");
  log->require_subcommand(1);
  auto o = std::make_shared<std::tuple<std::int64_t, std::int64_t, std::int64_t>>(0, 1, 100);
  auto* conv = command(*log, chosen, "conversation", "events of one conversation, ascending", [o] {
    invocation inv{"log"};
    inv.args = {
        {"conversation", std::get<0>(*o)}, {"from", std::get<1>(*o)}, {"limit", std::get<2>(*o)}};
    inv.items_key = "events";
    inv.human = [](const json& r, const std::vector<json>& items) {
      auto out = render_event_table(items);
      out += fmt::format("{} events from seq {}; the log ends at seq {}{}\n", text(r["count"]),
                         text(r["from"]), text(r["last_seq"]),
                         r.value("more", false) ? " (more: raise --from or --limit)" : "");
      return out;
    };
    return inv;
  });
  conv->add_option("ID", std::get<0>(*o), "conversation id")
      ->required()
      ->check(CLI::PositiveNumber);
  conv->add_option("--from", std::get<1>(*o), "first seq (default 1)")->check(CLI::PositiveNumber);
  conv->add_option("--limit", std::get<2>(*o), "most events (default 100, at most 10000)")
      ->check(CLI::Range(1, 10000));
}

void add_verify(CLI::App& app, std::vector<invocation>& chosen) {
  auto id = std::make_shared<std::int64_t>(0);
  auto* v = command(app, chosen, "verify",
                    "walk the event log and check seqs, idempotency keys, memberships and read "
                    "positions; exit 1 on any finding",
                    [id] {
                      invocation inv{"verify"};
                      if (*id > 0) inv.args["conversation"] = *id;
                      inv.items_key = "problems";
                      inv.human = [](const json& r, const std::vector<json>& items) {
                        std::string out;
                        for (const auto& f : items)
                          out += fmt::format("{}: conversation {}: {}\n", text(f["kind"]),
                                             text(f["conversation"]), text(f["detail"]));
                        auto n = r.value("findings", std::int64_t{0});
                        out += fmt::format(
                            "checked {} events in {} conversations: {}\n", text(r["events"]),
                            text(r["conversations"]),
                            n == 0 ? std::string("OK")
                                   : fmt::format("{} finding{}{}", n, n == 1 ? "" : "s",
                                                 n > static_cast<std::int64_t>(items.size())
                                                     ? fmt::format(" ({} shown)", items.size())
                                                     : ""));
                        return out;
                      };
                      inv.exit_of = [](const json& r) {
                        return r.value("findings", 0) == 0 ? exit_code::ok : exit_code::findings;
                      };
                      return inv;
                    });
  v->add_option("--conversation", *id, "only this conversation")->check(CLI::PositiveNumber);
}

void add_sessions(CLI::App& app, std::vector<invocation>& chosen) {
  auto* s = app.add_subcommand("sessions", "a user's sign-in sessions");
  s->require_subcommand(1);
  auto user = std::make_shared<std::string>();
  auto* list = command(*s, chosen, "list", "list a user's sessions", [user] {
    invocation inv{"sessions.list"};
    inv.args = {{"user", *user}};
    inv.human = [](const json& r, const std::vector<json>&) {
      table t({"ID", "CREATED (UTC)", "LAST SEEN", "EXPIRES", "USER AGENT"});
      for (const auto& x : r["sessions"])
        t.add({text(x["id"]), format_time_ms(x.value("created_at_ms", std::int64_t{0})),
               format_time_ms(x.value("last_seen_ms", std::int64_t{0})),
               x.value("expired", false)
                   ? std::string("expired")
                   : format_time_ms(x.value("expires_at_ms", std::int64_t{0})),
               shorten(x.value("user_agent", ""), 40)});
      return fmt::format("sessions of {}{}:\n", user_line(r["user"]),
                         r["user"].value("disabled", false) ? " [disabled]" : "") +
             t.render();
    };
    return inv;
  });
  list->add_option("USER", *user, "username")->required();
  auto* revoke = command(*s, chosen, "revoke", "sign a user out everywhere", [user] {
    invocation inv{"sessions.revoke"};
    inv.args = {{"user", *user}};
    inv.human = [](const json& r, const std::vector<json>&) {
      return fmt::format("revoked {} session(s) of {}\n", text(r["revoked"]), user_line(r["user"]));
    };
    return inv;
  });
  revoke->add_option("USER", *user, "username")->required();
}

void add_user(CLI::App& app, std::vector<invocation>& chosen) {
  auto* u = app.add_subcommand("user", "disable or enable an account");
  u->require_subcommand(1);
  auto name = std::make_shared<std::string>();
  for (bool disable : {true, false}) {
    auto* sub =
        command(*u, chosen, disable ? "disable" : "enable",
                disable ? "refuse the account's sign-ins and sessions and close its connections"
                        : "let the account sign in again",
                [name, disable] {
                  invocation inv{disable ? "user.disable" : "user.enable"};
                  inv.args = {{"user", *name}};
                  inv.human = [disable](const json& r, const std::vector<json>&) {
                    std::string out =
                        fmt::format("{} {}{}\n", user_line(r), disable ? "disabled" : "enabled",
                                    r.value("changed", false) ? "" : " (already)");
                    if (r.contains("disconnected"))
                      out += fmt::format("closed {} live connection(s)\n", text(r["disconnected"]));
                    return out;
                  };
                  return inv;
                });
    sub->add_option("NAME", *name, "username")->required();
  }
}

void add_conversation(CLI::App& app, std::vector<invocation>& chosen) {
  auto* c = app.add_subcommand("conversation", "whole conversations");
  c->require_subcommand(1);
  auto id = std::make_shared<std::int64_t>(0);
  auto* e = command(*c, chosen, "export",
                    "the whole history as JSON lines, one event per line, on stdout", [id] {
                      invocation inv{"conversation.export"};
                      inv.args = {{"conversation", *id}};
                      inv.stream_items = true;
                      inv.human = [](const json& r, const std::vector<json>&) {
                        std::fprintf(stderr, "exported %s events of conversation %s\n",
                                     text(r["events"]).c_str(), text(r["conversation"]).c_str());
                        return std::string();
                      };
                      return inv;
                    });
  e->add_option("ID", *id, "conversation id")->required()->check(CLI::PositiveNumber);
}

/// The fields every report has, then the kind's own (numbers, texts, lists) as "key value" lines.
std::string render_report(const json& a) {
  std::string out;
  auto row = [&](const std::string& k, const std::string& v) {
    out += fmt::format("  {:<24} {}\n", k, v);
  };
  row("kind", text(a["kind"]));
  row("actor id", text(a["actor"]));
  if (!a.value("name", "").empty()) row("name", text(a["name"]));
  row("mailbox", text(a["mailbox"]));
  row("messages handled", text(a["handled"]));
  row("messages/s", fmt::format("{:.1f}", a.value("rate", 0.0)));
  row("age", format_duration_ms(a.value("age_ms", 0.0)));
  row("idle", format_duration_ms(a.value("idle_ms", 0.0)));
  row("memory (estimate)", format_bytes(a.value("memory_bytes", 0.0)));
  static const std::set<std::string> common{"kind",    "actor",       "id",   "name",
                                            "mailbox", "handled",     "rate", "age_ms",
                                            "idle_ms", "memory_bytes"};
  for (auto& [k, v] : a.items())
    if (!common.count(k)) row(k, v.is_array() ? admin::dump(v) : text(v));
  return out;
}

void add_actors(CLI::App& app, std::vector<invocation>& chosen) {
  auto o = std::make_shared<std::tuple<std::string, std::string, int>>("", "mailbox", 50);
  auto* a =
      command(app, chosen, "actors", "every live actor: kind, id, mailbox, load, memory", [o] {
        invocation inv{"actors"};
        inv.args = {{"sort", std::get<1>(*o)}, {"limit", std::get<2>(*o)}};
        if (!std::get<0>(*o).empty()) inv.args["kind"] = std::get<0>(*o);
        inv.human = [](const json& r, const std::vector<json>&) {
          table t(
              {"KIND", "ID", "ACTOR", "NAME", "MAILBOX", "HANDLED", "MSGS/S", "IDLE", "MEMORY"});
          for (const auto& x : r["actors"])
            t.add({text(x["kind"]), text(x["id"]), text(x["actor"]),
                   shorten(x.value("name", ""), 24), text(x["mailbox"]), text(x["handled"]),
                   fmt::format("{:.1f}", x.value("rate", 0.0)),
                   format_duration_ms(x.value("idle_ms", 0.0)),
                   format_bytes(x.value("memory_bytes", 0.0))});
          return t.render() + fmt::format("{} of {} actors, sorted by {}\n", r["actors"].size(),
                                          text(r["matching"]), text(r["sort"]));
        };
        return inv;
      });
  a->add_option("--kind", std::get<0>(*o),
                "only this kind: conversation, user, connection, shard, log_writer, db_worker, "
                "admin")
      ->check(CLI::IsMember(
          {"conversation", "user", "connection", "shard", "log_writer", "db_worker", "admin"}));
  a->add_option("--sort", std::get<1>(*o), "mailbox (default), rate, memory, handled, idle")
      ->check(CLI::IsMember({"mailbox", "rate", "memory", "handled", "idle"}));
  a->add_option("--limit", std::get<2>(*o), "most rows (default 50)")->check(CLI::Range(1, 100000));
}

void add_top(CLI::App& app, std::vector<invocation>& chosen) {
  auto o = std::make_shared<top_options>();
  auto* t = command(app, chosen, "top", "a live view of the busiest actors; q quits", [o] {
    invocation inv{"top"};
    inv.run = [o](admin_client& client, bool json_out) { return run_top(client, *o, json_out); };
    return inv;
  });
  t->add_option("--interval", o->interval_s, "seconds between refreshes (default 2)")
      ->check(CLI::Range(0.2, 3600.0));
  t->add_option("--sort", o->sort, "mailbox (default), rate, memory")
      ->check(CLI::IsMember({"mailbox", "rate", "memory"}));
  t->add_option("--limit", o->limit, "rows (default 20)")->check(CLI::Range(1, 1000));
  t->add_option("--iterations", o->iterations, "stop after N refreshes (default: until q)")
      ->check(CLI::NonNegativeNumber);
}

void add_inspect(CLI::App& app, std::vector<invocation>& chosen) {
  auto* i = app.add_subcommand("inspect", "one conversation, user or connection, asked live");
  i->require_subcommand(1);
  auto id = std::make_shared<std::int64_t>(0);
  auto name = std::make_shared<std::string>();
  auto human = [](const json& r, const std::vector<json>&) {
    std::string out;
    std::string what = r["kind"] == "user" ? fmt::format("user {} (id {})",
                                                         text(r["user"]["username"]), text(r["id"]))
                                           : fmt::format("{} {}", text(r["kind"]), text(r["id"]));
    if (!r.value("live", false)) {
      out += what + ": not live (no actor in memory)\n";
      if (r.contains("stored"))
        out += fmt::format("  stored: {} conversation, last seq {}, members {}\n",
                           text(r["stored"]["kind"]), text(r["stored"]["last_seq"]),
                           admin::dump(r["stored"]["members"]));
      return out;
    }
    out += what + ":\n" + render_report(r["actor"]);
    if (r.contains("connections"))
      for (const auto& c : r["connections"]) out += "connection:\n" + render_report(c);
    return out;
  };
  for (const char* kind : {"conversation", "connection"}) {
    auto* sub =
        command(*i, chosen, kind,
                std::string(kind) == "conversation"
                    ? "members, last seq, tail, idempotency window, queued/in-flight appends"
                    : "peer, age, outbound queue, bytes and frames in/out, sync state",
                [id, kind, human] {
                  invocation inv{"inspect"};
                  inv.args = {{"kind", kind}, {"id", *id}};
                  inv.human = human;
                  return inv;
                });
    sub->add_option("ID", *id,
                    std::string(kind) == "conversation"
                        ? "conversation id"
                        : "connection actor id (see chatctl actors --kind connection)")
        ->required()
        ->check(CLI::PositiveNumber);
  }
  auto* u =
      command(*i, chosen, "user", "the user actor and each of its connections", [name, human] {
        invocation inv{"inspect"};
        inv.args = {{"kind", "user"}, {"user", *name}};
        inv.human = human;
        return inv;
      });
  u->add_option("NAME", *name, "username")->required();
}

void add_levers(CLI::App& app, std::vector<invocation>& chosen) {
  auto* p = app.add_subcommand("passivate", "stop an idle actor now (it rebuilds from the log)");
  p->require_subcommand(1);
  auto id = std::make_shared<std::int64_t>(0);
  auto* pc = command(
      *p, chosen, "conversation", "passivate a conversation after its in-flight appends", [id] {
        invocation inv{"passivate"};
        inv.args = {{"conversation", *id}};
        inv.human = [](const json& r, const std::vector<json>&) {
          return r.value("passivated", false)
                     ? fmt::format("conversation {} passivated\n", text(r["conversation"]))
                     : fmt::format("conversation {} was not live\n", text(r["conversation"]));
        };
        return inv;
      });
  pc->add_option("ID", *id, "conversation id")->required()->check(CLI::PositiveNumber);

  auto* d = app.add_subcommand("disconnect", "close live connections");
  d->require_subcommand(1);
  auto name = std::make_shared<std::string>();
  auto reason = std::make_shared<std::string>();
  auto* du = command(*d, chosen, "user",
                     "close every connection of a user (close code 4003; clients reconnect)",
                     [name, reason] {
                       invocation inv{"disconnect"};
                       inv.args = {{"user", *name}};
                       if (!reason->empty()) inv.args["reason"] = *reason;
                       inv.human = [](const json& r, const std::vector<json>&) {
                         return fmt::format("closed {} connection(s) of {} (code {}: {})\n",
                                            text(r["disconnected"]), user_line(r["user"]),
                                            text(r["close_code"]), text(r["reason"]));
                       };
                       return inv;
                     });
  du->add_option("NAME", *name, "username")->required();
  du->add_option("--reason", *reason, "text for the close frame (cut to fit 123 bytes)");
}

}  // namespace

void register_commands(CLI::App& app, std::vector<invocation>& chosen) {
  add_actors(app, chosen);
  add_top(app, chosen);
  add_inspect(app, chosen);
  add_levers(app, chosen);
  add_status(app, chosen);
  add_log(app, chosen);
  add_verify(app, chosen);
  add_sessions(app, chosen);
  add_user(app, chosen);
  add_conversation(app, chosen);
}

}  // namespace chat::chatctl
