// Commands answered from the database alone: log, verify, conversation export, sessions, user.
#include <fmt/format.h>

#include <chrono>
#include <unordered_map>

#include "admin/command_table.hpp"
#include "admin/verify.hpp"
#include "logging/logger.hpp"
#include "persistence/audit_store.hpp"
#include "persistence/event_store.hpp"
#include "persistence/session_store.hpp"
#include "persistence/user_store.hpp"

namespace chat::admin::detail {

namespace {

using persistence::conversation_id;

constexpr std::int64_t max_id = std::numeric_limits<std::int64_t>::max();

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

/// Usernames of senders, looked up once each.
class name_cache {
 public:
  explicit name_cache(persistence::database& db) : users_(db) {}
  std::string operator()(persistence::user_id id) {
    if (id == 0) return {};
    auto it = names_.find(id);
    if (it != names_.end()) return it->second;
    auto u = users_.find_by_id(id);
    std::string name = u && u->has_value() ? (*u)->username : std::string();
    return names_.emplace(id, name).first->second;
  }

 private:
  persistence::user_store users_;
  std::unordered_map<persistence::user_id, std::string> names_;
};

json event_json(const persistence::event& e, name_cache& names) {
  json j{{"conversation", e.conversation},
         {"seq", e.seq},
         {"event_id", e.event_id},
         {"type", e.type},
         {"sender", e.sender},
         {"sender_name", names(e.sender)},
         {"created_at_ms", e.created_at_ms},
         {"payload", e.payload}};
  j["client_msg_id"] = e.client_msg_id.empty() ? json(nullptr) : json(e.client_msg_id);
  if (e.subject != 0) {
    j["subject"] = e.subject;
    j["subject_name"] = names(e.subject);
  }
  return j;
}

persistence::user find_user(persistence::database& db, const std::string& name) {
  persistence::user_store users(db);
  auto u = users.find_by_username(name);
  if (!u) fail(u.err());
  if (!u->has_value())
    throw command_error{codes::not_found, fmt::format("no user named '{}'", name)};
  return **u;
}

conversation_id require_conversation(persistence::database& db, conversation_id id) {
  persistence::audit_store audit(db);
  auto ids = audit.conversation_ids(id);
  if (!ids) fail(ids.err());
  if (ids->empty()) throw command_error{codes::not_found, fmt::format("no conversation {}", id)};
  return id;
}

json user_json(const persistence::user& u) {
  return json{{"id", u.id},
              {"username", u.username},
              {"created_at_ms", u.created_at_ms},
              {"disabled", u.disabled()},
              {"disabled_at_ms", u.disabled_at_ms}};
}

json set_disabled(call& c, bool disable) {
  auto db = open_db(c.ctx);
  auto u = find_user(*db, arg_string(c.args, "user"));
  persistence::user_store users(*db);
  bool changed = u.disabled() != disable;
  if (changed) {
    u.disabled_at_ms = disable ? now_ms() : 0;
    if (auto st = users.set_disabled(u.id, u.disabled_at_ms); !st) fail(st.err());
  }
  json r = user_json(u);
  r["changed"] = changed;
  // Its sessions no longer work; its live connections close now (4001: sign in again).
  if (disable && c.ctx.actors)
    r["disconnected"] = disconnect(c, u.id, close_disabled, "account disabled");
  CHAT_LOG_INFO("admin", "user id={} {}{}", u.id, disable ? "disabled" : "enabled",
                changed ? "" : " (already)");
  return r;
}

}  // namespace

json cmd_log(call& c) {
  auto id = arg_int(c.args, "conversation", 1, max_id);
  auto from = arg_int(c.args, "from", 1, max_id, 1);
  auto limit = arg_int(c.args, "limit", 1, 10'000, 100);
  auto db = open_db(c.ctx);
  require_conversation(*db, id);
  persistence::event_store events(*db);
  auto rows = events.read_after(id, from - 1, static_cast<int>(limit));
  if (!rows) fail(rows.err());
  auto last = events.last_seq(id);
  if (!last) fail(last.err());
  name_cache names(*db);
  for (const auto& e : *rows)
    if (!c.item(event_json(e, names))) break;
  return json{{"conversation", id},
              {"from", from},
              {"count", rows->size()},
              {"last_seq", *last},
              {"more", !rows->empty() && rows->back().seq < *last}};
}

json cmd_export(call& c) {
  auto id = arg_int(c.args, "conversation", 1, max_id);
  auto db = open_db(c.ctx);
  require_conversation(*db, id);
  persistence::audit_store audit(*db);
  name_cache names(*db);
  std::size_t n = 0;
  bool gone = false;
  auto st = audit.for_each_event(id, true, [&](const persistence::event& e) {
    ++n;
    gone = !c.item(event_json(e, names));
    return !gone;
  });
  if (!st) fail(st.err());
  return json{{"conversation", id}, {"events", n}};
}

json cmd_verify(call& c) {
  std::optional<conversation_id> only;
  if (c.args.contains("conversation") && !c.args["conversation"].is_null())
    only = arg_int(c.args, "conversation", 1, max_id);
  auto db = open_db(c.ctx);
  if (only) require_conversation(*db, *only);
  persistence::audit_store audit(*db);
  log_verifier v;
  auto st = audit.for_each_event(only, false, [&](const persistence::event& e) {
    v.on_event(e);
    return true;
  });
  if (!st) fail(st.err());
  auto convs = audit.conversation_ids(only);
  if (!convs) fail(convs.err());
  auto members = audit.memberships(only);
  if (!members) fail(members.err());
  auto reads = audit.read_positions(only);
  if (!reads) fail(reads.err());
  v.check_tables(*convs, *members, *reads);
  for (const auto& f : v.findings())
    if (!c.item(json{{"kind", f.kind}, {"conversation", f.conversation}, {"detail", f.detail}}))
      break;
  return json{{"events", v.events_checked()},
              {"conversations", convs->size()},
              {"findings", v.finding_count()},
              {"ok", v.finding_count() == 0}};
}

json cmd_sessions_list(call& c) {
  auto db = open_db(c.ctx);
  auto u = find_user(*db, arg_string(c.args, "user"));
  persistence::session_store sessions(*db);
  auto list = sessions.list_for_user(u.id);
  if (!list) fail(list.err());
  auto now = now_ms();
  json arr = json::array();
  for (const auto& s : *list) {
    // The same public id as GET /api/sessions: a prefix of the token hash, itself a hash.
    arr.push_back(json{{"id", s.token_hash.substr(0, 16)},
                       {"created_at_ms", s.created_at_ms},
                       {"last_seen_ms", s.last_seen_ms},
                       {"expires_at_ms", s.expires_at_ms},
                       {"expired", s.expires_at_ms <= now},
                       {"user_agent", s.user_agent}});
  }
  return json{{"user", user_json(u)}, {"sessions", arr}};
}

json cmd_sessions_revoke(call& c) {
  auto db = open_db(c.ctx);
  auto u = find_user(*db, arg_string(c.args, "user"));
  persistence::session_store sessions(*db);
  auto list = sessions.list_for_user(u.id);
  if (!list) fail(list.err());
  if (auto st = sessions.revoke_all(u.id); !st) fail(st.err());
  CHAT_LOG_INFO("admin", "revoked {} sessions of user id={}", list->size(), u.id);
  return json{{"user", user_json(u)}, {"revoked", list->size()}};
}

json cmd_user_disable(call& c) {
  return set_disabled(c, true);
}

json cmd_user_enable(call& c) {
  return set_disabled(c, false);
}

}  // namespace chat::admin::detail
