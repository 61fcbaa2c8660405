// Commands answered by the live actor system (through actors::server, which asks the admin
// actor): status counts and rates, actors, inspect, passivate, disconnect.
#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "actors/server.hpp"
#include "admin/command_table.hpp"
#include "logging/logger.hpp"
#include "persistence/conversation_store.hpp"
#include "persistence/user_store.hpp"

namespace chat::admin::detail {

namespace {

constexpr std::int64_t max_id = std::numeric_limits<std::int64_t>::max();

actors::server& live(call& c) {
  if (!c.ctx.actors) throw command_error{codes::unavailable, "no actor system"};
  return *c.ctx.actors;
}

template <class T>
T value_or_fail(persistence::result<T> r) {
  if (!r) fail(r.err());
  return std::move(*r);
}

json report_json(const actors::actor_report& r) {
  json j{{"kind", r.kind},       {"actor", r.actor},
         {"id", r.id},           {"name", r.name},
         {"mailbox", r.mailbox}, {"handled", r.handled},
         {"rate", r.rate},       {"age_ms", r.age_ms},
         {"idle_ms", r.idle_ms}, {"memory_bytes", r.memory_bytes}};
  for (const auto& [k, v] : r.numbers) j[k] = v;
  for (const auto& [k, v] : r.texts) j[k] = v;
  for (const auto& [k, v] : r.lists) j[k] = v;
  return j;
}

persistence::user user_by_name(call& c, const std::string& name) {
  auto db = open_db(c.ctx);
  persistence::user_store users(*db);
  auto u = users.find_by_username(name);
  if (!u) fail(u.err());
  if (!u->has_value())
    throw command_error{codes::not_found, fmt::format("no user named '{}'", name)};
  return **u;
}

/// WebSocket close reasons are at most 123 bytes; cut at a character boundary.
std::string close_reason(std::string text) {
  if (text.size() <= 123) return text;
  std::size_t n = 123;
  while (n > 0 && (static_cast<unsigned char>(text[n]) & 0xC0) == 0x80) --n;
  text.resize(n);
  return text;
}

}  // namespace

json live_summary(call& c) {
  auto& s = live(c);
  auto st = value_or_fail(s.live_status_now());
  auto list = value_or_fail(s.list_actors());
  std::map<std::string, std::int64_t> by_kind;
  for (const auto& r : list) ++by_kind[r.kind];
  return json{
      {"actors", list.size()},
      {"actors_by_kind", by_kind},
      {"window_s", st.window_s},
      {"messages_per_s", st.messages_per_s},
      {"deliveries_per_s", st.deliveries_per_s},
      {"ack_ms", {{"p50", st.ack_p50_us / 1000.0}, {"p99", st.ack_p99_us / 1000.0}}},
      {"commit_ms", {{"p50", st.commit_p50_us / 1000.0}, {"p99", st.commit_p99_us / 1000.0}}}};
}

json cmd_actors(call& c) {
  auto kind = arg_string(c.args, "kind", std::string());
  auto sort = arg_string(c.args, "sort", std::string("mailbox"));
  auto limit = arg_int(c.args, "limit", 1, 100'000, 50);
  using report = actors::actor_report;
  std::function<double(const report&)> key;
  if (sort == "mailbox")
    key = [](const report& r) { return static_cast<double>(r.mailbox); };
  else if (sort == "rate")
    key = [](const report& r) { return r.rate; };
  else if (sort == "memory")
    key = [](const report& r) { return static_cast<double>(r.memory_bytes); };
  else if (sort == "handled")
    key = [](const report& r) { return static_cast<double>(r.handled); };
  else if (sort == "idle")
    key = [](const report& r) { return static_cast<double>(r.idle_ms); };
  else
    throw bad_argument{"--sort is one of mailbox, rate, memory, handled, idle"};
  auto list = value_or_fail(live(c).list_actors());
  std::size_t total = list.size();
  if (!kind.empty())
    list.erase(
        std::remove_if(list.begin(), list.end(), [&](const report& r) { return r.kind != kind; }),
        list.end());
  std::size_t matching = list.size();
  // Busiest first; ties by kind and id so the view is stable between refreshes.
  std::stable_sort(list.begin(), list.end(), [&](const report& a, const report& b) {
    auto ka = key(a), kb = key(b);
    if (ka != kb) return ka > kb;
    if (a.kind != b.kind) return a.kind < b.kind;
    return a.id < b.id;
  });
  if (list.size() > static_cast<std::size_t>(limit)) list.resize(static_cast<std::size_t>(limit));
  json arr = json::array();
  for (const auto& r : list) arr.push_back(report_json(r));
  return json{{"total", total}, {"matching", matching}, {"sort", sort}, {"actors", arr}};
}

json cmd_inspect(call& c) {
  auto kind = arg_string(c.args, "kind");
  json out{{"kind", kind}};
  std::int64_t id = 0;
  if (kind == "user") {
    auto u = user_by_name(c, arg_string(c.args, "user"));
    id = u.id;
    out["user"] = {{"id", u.id}, {"username", u.username}, {"disabled", u.disabled()}};
  } else if (kind == "conversation" || kind == "connection") {
    id = arg_int(c.args, "id", 1, max_id);
  } else {
    throw bad_argument{"inspect conversation ID | user NAME | connection ID"};
  }
  out["id"] = id;
  auto reports = value_or_fail(live(c).inspect(kind, id));
  out["live"] = !reports.empty();
  if (reports.empty()) {
    if (kind == "connection")
      throw command_error{codes::not_found, fmt::format("no live connection {}", id)};
    if (kind == "conversation") {
      // Not in memory: what the store says, so the answer is still useful.
      auto db = open_db(c.ctx);
      persistence::conversation_store convs(*db);
      auto conv = convs.find(id);
      if (!conv) fail(conv.err());
      if (!conv->has_value())
        throw command_error{codes::not_found, fmt::format("no conversation {}", id)};
      auto members = convs.members(id);
      if (!members) fail(members.err());
      out["stored"] = {
          {"last_seq", (*conv)->last_seq},
          {"members", *members},
          {"title", (*conv)->title},
          {"kind", (*conv)->kind == persistence::conversation_kind::direct ? "direct" : "group"}};
    }
    return out;
  }
  out["actor"] = report_json(reports.front());
  if (kind == "user") {
    json conns = json::array();
    for (std::size_t i = 1; i < reports.size(); ++i) conns.push_back(report_json(reports[i]));
    out["connections"] = conns;
  }
  return out;
}

json cmd_passivate(call& c) {
  auto id = arg_int(c.args, "conversation", 1, max_id);
  bool was_live = value_or_fail(live(c).passivate_conversation(id));
  CHAT_LOG_INFO("admin", "passivate conversation {} ({})", id, was_live ? "was live" : "not live");
  return json{{"conversation", id}, {"passivated", was_live}};
}

std::int64_t disconnect(call& c, persistence::user_id id, std::uint16_t code, std::string reason) {
  auto n = value_or_fail(live(c).disconnect_user(id, code, close_reason(std::move(reason))));
  CHAT_LOG_INFO("admin", "closed {} connection(s) of user id={} with {}", n, id, code);
  return n;
}

json cmd_disconnect(call& c) {
  auto u = user_by_name(c, arg_string(c.args, "user"));
  auto reason = arg_string(c.args, "reason", std::string());
  std::string text =
      reason.empty() ? "disconnected by an operator" : "disconnected by an operator: " + reason;
  auto n = disconnect(c, u.id, close_operator, text);
  return json{{"user", {{"id", u.id}, {"username", u.username}}},
              {"disconnected", n},
              {"close_code", close_operator},
              {"reason", close_reason(text)}};
}

}  // namespace chat::admin::detail
