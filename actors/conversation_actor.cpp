#include "actors/conversation_actor.hpp"

#include <algorithm>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "actors/append_pipeline.hpp"
#include "actors/db_worker.hpp"
#include "actors/frames.hpp"
#include "actors/group_rules.hpp"
#include "actors/idempotency_window.hpp"
#include "actors/member_projection.hpp"
#include "actors/message_state.hpp"
#include "actors/messages.hpp"
#include "actors/observed_actor.hpp"
#include "actors/snapshot_loader.hpp"
#include "logging/logger.hpp"
#include "persistence/conversation_store.hpp"
#include "persistence/event_store.hpp"
#include "persistence/kinds.hpp"
#include "persistence/user_store.hpp"
#include "protocol/limits.hpp"
#include "util/clock.hpp"
#include "util/shard.hpp"

namespace chat::actors {

namespace {

using persistence::event;
using persistence::seq_t;
using persistence::user_id;
using protocol::error_code;

constexpr std::size_t window_capacity = 4096;  ///< recent (sender, client_msg_id) -> (seq, ts)
constexpr int max_page = protocol::limits::max_history_limit;
constexpr std::size_t message_state_cap = 2048;  ///< states kept for messages older than the tail

namespace kind = persistence::kind;

enum class reply_kind { none, ack, conversation, ok };

using reply_promise = caf::typed_response_promise<frame_reply>;
using ok_promise = caf::typed_response_promise<caf::ok_atom>;

/// A resend of a message that is not durable yet: answered with the original's ack.
struct waiter {
  reply_promise rp;
  std::string ref;
};

/// An event waiting for (or in) the log writer. Its seq is assigned when it is handed over, so
/// events that must be retried after a failure are simply renumbered.
struct queued {
  event ev;
  reply_kind kind = reply_kind::none;
  reply_promise rp;
  std::string ref;
  std::vector<waiter> followers;  ///< also answered with the conversation once durable
  std::vector<user_id> also_to;   ///< recipients beyond the members (a new conversation's members)
  std::chrono::steady_clock::time_point received =
      std::chrono::steady_clock::now();  ///< ack latency
};

struct conversation_state {
  runtime_ptr rt;
  persistence::conversation_id id = 0;
  bool loaded = false;
  caf::error load_error;
  persistence::conversation info;
  member_projection members;
  message_projection messages;  ///< current state of the tail's messages and of loaded ones
  name_map names;
  std::deque<event> tail;
  idempotency_window<waiter> window{window_capacity};
  append_pipeline<queued> log;  ///< queue, the batch in flight, last durable seq
  int outstanding = 0;          ///< database jobs whose replies we still owe someone
  std::vector<ok_promise> drain_waiters;
  std::optional<ok_promise> passivate_waiter;
  static inline const char* name = "conversation";
};

using self_ptr = observed_pointer<conversation_actor, conversation_state>;

/// Recomputes the projected member set after queued events were dropped or failed.
void reproject(conversation_state& st) {
  st.members.reproject([&](auto&& f) { st.log.for_each_pending(f); });
  st.messages.reproject([&](auto&& f) { st.log.for_each_pending(f); });
}

seq_t tail_front(const conversation_state& st) {
  return st.tail.empty() ? st.log.last_seq() + 1 : st.tail.front().seq;
}

void remember(conversation_state& st, const event& e) {
  st.tail.push_back(e);
  if (st.tail.size() > tail_capacity) st.tail.pop_front();
  st.window.remember(e.sender, e.client_msg_id, e.seq, e.created_at_ms);
  st.messages.committed(e);
  if (e.type == kind::message_deleted) {
    // The store blanked these in the log; the copies in memory go the same way.
    for (auto& t : st.tail)
      if (t.seq == e.target || (t.target == e.target && t.type == kind::message_edited)) {
        t.payload.clear();
        t.mentions.clear();
      }
  }
}

/// An event of the log as a client sees it: a message in its current state.
protocol::event_frame render(const conversation_state& st, const event& e) {
  auto f = to_event_frame(e, st.names);
  if (e.type == kind::message)
    if (auto* s = st.messages.durable(e.seq)) apply_state(f, *s, st.names);
  return f;
}

protocol::conversation_info info_of(const conversation_state& st) {
  protocol::conversation_info ci;
  ci.id = st.id;
  ci.kind = kind_name(st.info.kind);
  ci.title = st.info.title;
  for (auto u : st.members.durable()) {
    auto i = st.names.find(u);
    ci.members.push_back({u, i == st.names.end() ? std::string{} : i->second});
  }
  ci.last_seq = st.log.last_seq();
  if (!st.tail.empty()) ci.last_event = render(st, st.tail.back());
  ci.description = st.info.description;
  ci.avatar_color = st.info.avatar_color;
  ci.avatar = st.info.avatar;
  for (auto& [u, r] : st.members.durable_roles()) {
    if (r == role::owner) ci.owner = u;
    if (r == role::admin) ci.admins.push_back(u);
  }
  return ci;
}

frame_reply ack_of(const conversation_state& st, const std::string& ref, const std::string& cmid,
                   seq_t seq, std::int64_t ts, bool duplicate) {
  protocol::ack_frame a;
  a.ref = ref;
  a.conversation = st.id;
  a.client_msg_id = cmid;
  a.seq = seq;
  a.ts = ts;
  a.duplicate = duplicate;
  return frame_reply{a};
}

/// Sends one shared frame to the user actors of `users`, one message per directory shard.
void fan_out(self_ptr self, const std::set<user_id>& users, seq_t seq, const shared_frame& frame,
             std::optional<user_id> except = std::nullopt) {
  auto& st = self->state;
  std::map<std::size_t, deliver_msg> by_shard;
  for (auto u : users) {
    if (except && *except == u) continue;
    auto idx = util::shard_of(u, st.rt->shards.size());
    auto& d = by_shard[idx];
    d.users.push_back(u);
  }
  for (auto& [idx, d] : by_shard) {
    d.conversation = st.id;
    d.seq = seq;
    d.frame = frame;
    self->send(st.rt->shards[idx], std::move(d));
  }
}

void check_idle(self_ptr self) {
  auto& st = self->state;
  if (!st.log.idle() || st.outstanding > 0) return;
  for (auto& w : st.drain_waiters) w.deliver(caf::ok_atom_v);
  st.drain_waiters.clear();
  if (st.passivate_waiter) {
    st.passivate_waiter->deliver(caf::ok_atom_v);
    st.passivate_waiter.reset();
    self->quit();
  }
}

void fail_entry(conversation_state& st, queued& q, const caf::error& err) {
  if (q.rp.pending()) q.rp.deliver(err);
  for (auto& f : q.followers) f.rp.deliver(err);
  if (!q.ev.client_msg_id.empty())
    for (auto& w : st.window.finish(q.ev.sender, q.ev.client_msg_id)) w.rp.deliver(err);
}

/// An event became durable: state, then delivery to every member, then the reply.
void commit_one(self_ptr self, queued& q) {
  auto& st = self->state;
  const auto& e = q.ev;
  auto recipients = st.members.durable();
  st.members.committed(e);
  // Removed users hear of it too.
  recipients.insert(st.members.durable().begin(), st.members.durable().end());
  recipients.insert(q.also_to.begin(), q.also_to.end());
  remember(st, e);
  if (e.type == kind::renamed) st.info.title = e.payload;
  if (e.type == kind::description_changed) st.info.description = e.payload;
  if (e.type == kind::avatar_color_changed) st.info.avatar_color = e.payload;
  if (e.type == kind::avatar_changed) st.info.avatar = e.payload;
  st.messages.trim(tail_front(st), message_state_cap, [&](seq_t seq) {
    bool named = false;
    st.log.for_each_pending([&](const event& p) { named = named || p.target == seq; });
    return named;
  });
  fan_out(self, recipients, e.seq, share(to_event_frame(e, st.names)));
  switch (q.kind) {
    case reply_kind::ack:
      q.rp.deliver(ack_of(st, q.ref, e.client_msg_id, e.seq, e.created_at_ms, false));
      break;
    case reply_kind::conversation:
      q.rp.deliver(frame_reply{protocol::conversation_frame{q.ref, info_of(st)}});
      break;
    case reply_kind::ok:
      q.rp.deliver(frame_reply{protocol::ok_frame{q.ref}});
      break;
    case reply_kind::none:
      break;
  }
  for (auto& f : q.followers)
    f.rp.deliver(frame_reply{protocol::conversation_frame{f.ref, info_of(st)}});
  if (!e.client_msg_id.empty())
    for (auto& w : st.window.finish(e.sender, e.client_msg_id))
      w.rp.deliver(ack_of(st, w.ref, e.client_msg_id, e.seq, e.created_at_ms, true));
}

void flush(self_ptr self);

/// The log said this (sender, client_msg_id) is already stored (older than our window): answer
/// with the original's ack.
void answer_from_log(self_ptr self, queued q) {
  auto& st = self->state;
  ++st.outstanding;
  auto conv = st.id;
  auto sender = q.ev.sender;
  auto cmid = q.ev.client_msg_id;
  self->request(st.rt->db, caf::infinite, db_job{[conv, sender, cmid](persistence::database& db) {
                  auto found =
                      persistence::event_store{db}.find_by_client_msg_id(conv, sender, cmid);
                  if (!found) return error_message(found.err());
                  if (!*found)
                    return caf::make_message(
                        make_chat_error(error_code::internal, "duplicate not found"));
                  return caf::make_message(event_page{{**found}, {}, {}});
                }})
      .then(
          [=](event_page& page) mutable {
            auto& st = self->state;
            --st.outstanding;
            auto& orig = page.events.front();
            if (q.rp.pending())
              q.rp.deliver(
                  ack_of(st, q.ref, orig.client_msg_id, orig.seq, orig.created_at_ms, true));
            for (auto& w : st.window.finish(sender, cmid))
              w.rp.deliver(ack_of(st, w.ref, cmid, orig.seq, orig.created_at_ms, true));
            check_idle(self);
          },
          [=](caf::error& err) mutable {
            --self->state.outstanding;
            fail_entry(self->state, q, err);
            check_idle(self);
          });
}

void on_outcome(self_ptr self, const append_outcome& o) {
  auto& st = self->state;
  auto r = st.log.on_outcome(o.committed_upto,
                             o.failed ? std::optional<persistence::errc>{o.code} : std::nullopt);
  for (auto& q : r.committed) commit_one(self, q);
  if (r.duplicate) answer_from_log(self, std::move(*r.duplicate));
  if (!r.failed.empty()) {
    auto code =
        r.code == persistence::errc::unavailable ? error_code::unavailable : error_code::internal;
    auto err = make_chat_error(code, code == error_code::unavailable
                                         ? "storage unavailable, retry with the same client_msg_id"
                                         : "storage error");
    for (auto& q : r.failed) fail_entry(st, q, err);
  }
  if (r.duplicate || !r.failed.empty() || r.reload) reproject(st);
  if (r.reload) {
    CHAT_LOG_WARN("actors", "conversation {}: seq conflict at {}, reading the last seq again",
                  st.id, st.log.last_seq() + 1);
    auto conv = st.id;
    ++st.outstanding;
    self->request(st.rt->db, caf::infinite, db_job{[conv](persistence::database& db) {
                    auto r = persistence::event_store{db}.last_seq(conv);
                    if (!r) return error_message(r.err());
                    return caf::make_message(*r);
                  }})
        .await(
            [=](seq_t last) {
              --self->state.outstanding;
              self->state.log.set_last_seq(last);
              flush(self);
            },
            [=](caf::error& err) {
              auto& st = self->state;
              --st.outstanding;
              for (auto& q : st.log.take_queue()) fail_entry(st, q, err);
              reproject(st);
              check_idle(self);
            });
    return;
  }
  flush(self);
}

/// Hands everything queued to the log writer, unless a batch is in flight (one at a time per
/// conversation keeps seqs gap-free when a batch fails; the queue grows into the next batch).
void flush(self_ptr self) {
  auto& st = self->state;
  auto batch = st.log.next_batch(st.rt->cfg.max_batch);
  if (!batch) {
    if (st.log.idle()) check_idle(self);
    return;
  }
  self->request(st.rt->log_writer, caf::infinite, append_atom_v, append_req{std::move(*batch)})
      .then([=](append_outcome& o) { on_outcome(self, o); },
            [=](caf::error&) {
              // The log writer itself is gone (shutdown): nothing of this batch is durable.
              append_outcome o;
              auto& st = self->state;
              o.committed_upto = st.log.last_seq();
              o.failed = true;
              o.failed_seq = st.log.last_seq() + 1;
              o.code = persistence::errc::unavailable;
              on_outcome(self, o);
            });
}

event make_event(const conversation_state& st, std::string type, user_id sender,
                 user_id subject = 0, std::string payload = {}, std::string cmid = {}) {
  event e;
  e.conversation = st.id;
  e.event_id = random_event_id();
  e.type = std::move(type);
  e.sender = sender;
  e.client_msg_id = std::move(cmid);
  e.subject = subject;
  e.payload = std::move(payload);
  e.created_at_ms = util::now_ms();
  return e;
}

void enqueue(self_ptr self, event e, reply_kind kind = reply_kind::none, reply_promise rp = {},
             std::string ref = {}, std::vector<user_id> also_to = {}) {
  auto& st = self->state;
  st.members.queued(e);
  st.messages.queued(e);
  st.log.push({std::move(e), kind, std::move(rp), std::move(ref), {}, std::move(also_to)});
}

caf::error not_member() {
  return make_chat_error(error_code::not_member, "not a member of this conversation");
}

// ---- requests ----

/// The members a body mentions (by their usernames as this conversation knows them).
std::vector<user_id> mentions_in(const conversation_state& st, std::string_view body,
                                 user_id sender) {
  std::vector<std::pair<user_id, std::string>> candidates;
  for (auto u : st.members.projected())
    if (auto it = st.names.find(u); it != st.names.end()) candidates.emplace_back(u, it->second);
  return find_mentions(body, candidates, sender, protocol::limits::max_mentions_per_message);
}

void handle_change(self_ptr self, const conv_cmd& cmd, reply_promise rp);

/// Reads a message older than the tail (with its changes) from the log, then asks again.
void load_target(self_ptr self, seq_t target, conv_cmd cmd, reply_promise rp) {
  auto& st = self->state;
  ++st.outstanding;
  auto conv = st.id;
  self->request(
          st.rt->db, caf::infinite, db_job{[conv, target](persistence::database& db) {
            persistence::event_store log{db};
            loaded_message out;
            auto last = log.last_seq(conv);
            if (!last) return error_message(last.err());
            out.as_of = *last;
            auto read = log.read_after(conv, target - 1, 1);
            if (!read) return error_message(read.err());
            if (read->empty() || read->front().seq != target || read->front().type != kind::message)
              return caf::make_message(std::move(out));
            auto changes = log.changes_of(conv, target, target);
            if (!changes) return error_message(changes.err());
            out.found = true;
            out.state = message_state::of(read->front());
            for (auto& c : *changes) out.state.apply(c);
            return caf::make_message(std::move(out));
          }})
      .then(
          [=](loaded_message& m) mutable {
            auto& st = self->state;
            --st.outstanding;
            if (!m.found) {
              rp.deliver(make_chat_error(error_code::not_found, "no message with that seq"));
            } else if (!st.tail.empty() && st.tail.front().seq > m.as_of + 1) {
              // More was written meanwhile than the tail holds: read it again.
              load_target(self, target, cmd, rp);
            } else {
              std::vector<event> newer;
              for (auto& e : st.tail)
                if (e.seq > m.as_of) newer.push_back(e);
              st.messages.loaded(std::move(m.state), newer);
              reproject(st);
              handle_change(self, cmd, rp);
            }
            check_idle(self);
          },
          [=](caf::error& err) mutable {
            --self->state.outstanding;
            rp.deliver(err);
            check_idle(self);
          });
}

/// Sends, edits, deletes and reactions: idempotent by (sender, client_msg_id), answered with an
/// ack once durable. A change names its message by seq (a send may name the one it quotes); a
/// message older than the tail is read from the log first.
void handle_change(self_ptr self, const conv_cmd& cmd, reply_promise rp) {
  auto& st = self->state;
  const auto& from = cmd.from;
  const auto& req = cmd.req;
  if (!st.members.will_be_member(from.user)) return rp.deliver(not_member()), void();
  std::string ref, cmid;
  std::optional<seq_t> target;
  std::visit(
      [&](const auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, protocol::send_req>) {
          ref = r.id;
          cmid = r.client_msg_id;
          target = r.reply_to;
        } else if constexpr (std::is_same_v<T, protocol::edit_message_req> ||
                             std::is_same_v<T, protocol::delete_message_req> ||
                             std::is_same_v<T, protocol::react_req>) {
          ref = r.id;
          cmid = r.client_msg_id;
          target = r.target;
        }
      },
      req);
  using window_t = idempotency_window<waiter>;
  auto found = st.window.find(from.user, cmid);
  if (auto* s = std::get_if<window_t::stored>(&found))
    return rp.deliver(ack_of(st, ref, cmid, s->seq, s->ts, true)), void();
  if (std::holds_alternative<window_t::pending>(found))
    return st.window.wait(from.user, cmid, {rp, ref}), void();  // the original is on its way
  const message_state* msg = nullptr;
  if (target) {
    msg = st.messages.projected(*target);
    if (!msg && *target < tail_front(st)) return load_target(self, *target, cmd, rp);
    if (!msg)
      return rp.deliver(make_chat_error(error_code::not_found, "no message with that seq")), void();
  }
  const bool group = st.info.kind == persistence::conversation_kind::group;
  auto gone = [] { return make_chat_error(error_code::not_found, "that message was deleted"); };
  std::optional<event> ev;
  std::optional<caf::error> refused;
  std::optional<frame_reply> repeat;  // the state asked for is already there
  std::visit(
      [&](const auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, protocol::send_req>) {
          if (msg && msg->deleted) return refused.emplace(gone()), void();
          ev = make_event(st, std::string(kind::message), from.user, 0, r.body, cmid);
          ev->reply_to = r.reply_to.value_or(0);
          ev->mentions = mentions_in(st, r.body, from.user);
          ev->attachments = cmd.attachments;
          ev->attachment_ids = cmd.attachment_ids;
        } else if constexpr (std::is_same_v<T, protocol::edit_message_req>) {
          if (msg->deleted) return refused.emplace(gone()), void();
          if (!may_edit(from.user, msg->author))
            return refused.emplace(make_chat_error(error_code::forbidden,
                                                   "only the author may edit a message")),
                   void();
          ev = make_event(st, std::string(kind::message_edited), from.user, 0, r.body, cmid);
          ev->mentions = mentions_in(st, r.body, msg->author);
        } else if constexpr (std::is_same_v<T, protocol::delete_message_req>) {
          if (!may_delete(from.user, st.members.will_have_role(from.user), msg->author, group))
            return refused.emplace(make_chat_error(
                       error_code::forbidden,
                       group ? "only the author, an admin or the owner may delete this message"
                             : "only the author may delete a message")),
                   void();
          if (msg->deleted && msg->deleted_seq != 0)  // 0: that delete is still queued
            return repeat.emplace(ack_of(st, ref, cmid, msg->deleted_seq, msg->deleted_at, true)),
                   void();
          ev = make_event(st, std::string(kind::message_deleted), from.user, 0, {}, cmid);
        } else if constexpr (std::is_same_v<T, protocol::react_req>) {
          if (msg->deleted) return refused.emplace(gone()), void();
          auto* mine = msg->reaction(from.user, r.emoji);
          if (!r.remove && mine && mine->seq != 0)  // 0: still queued, the state dedupes it
            return repeat.emplace(ack_of(st, ref, cmid, mine->seq, mine->ts, true)), void();
          if (r.remove && !mine)
            return refused.emplace(
                       make_chat_error(error_code::not_found, "you have no such reaction there")),
                   void();
          bool new_kind = true;
          for (auto& x : msg->reactions) new_kind = new_kind && x.emoji != r.emoji;
          if (!r.remove && new_kind &&
              msg->distinct_emoji() >= protocol::limits::max_reactions_per_message)
            return refused.emplace(make_chat_error(
                       error_code::bad_field, "that message has the most different reactions")),
                   void();
          ev = make_event(st, std::string(r.remove ? kind::reaction_removed : kind::reaction_added),
                          from.user, 0, r.emoji, cmid);
        }
      },
      req);
  if (refused) return rp.deliver(*refused), void();
  if (repeat) return rp.deliver(std::move(*repeat)), void();
  if (!ev)
    return rp.deliver(make_chat_error(error_code::internal, "not a message request")), void();
  if (target && ev->type != kind::message) ev->target = *target;
  st.window.begin(from.user, cmid);
  enqueue(self, std::move(*ev), reply_kind::ack, rp, ref);
  flush(self);
}

caf::result<frame_reply> on_change(self_ptr self, const conv_cmd& cmd) {
  auto rp = self->make_response_promise<frame_reply>();
  handle_change(self, cmd, rp);
  return rp;
}

/// A history page; `state_of(seq)` gives a message's current state (nullptr: as logged).
template <class StateOf>
frame_reply page_reply(const conversation_state& st, const std::string& ref,
                       const std::vector<event>& events, const name_map& names, bool has_more,
                       StateOf&& state_of) {
  protocol::history_frame h;
  h.ref = ref;
  h.conversation = st.id;
  h.has_more = has_more;
  h.events.reserve(events.size());
  for (auto& e : events) {
    h.events.push_back(to_event_frame(e, names));
    if (e.type == kind::message)
      if (const message_state* s = state_of(e.seq)) apply_state(h.events.back(), *s, names);
  }
  return frame_reply{std::move(h)};
}

/// A page of the log [lo, hi]: from the in-memory tail when it reaches back far enough, else
/// from the database (a worker, off the scheduler).
caf::result<frame_reply> on_history(self_ptr self, const requester& from,
                                    const protocol::history_req& r) {
  auto& st = self->state;
  if (!st.members.is_member(from.user)) return not_member();
  seq_t limit = std::clamp<seq_t>(r.limit, 1, max_page);
  seq_t lo, hi;
  bool forward = r.after.has_value();
  if (forward) {
    lo = std::max<seq_t>(*r.after, 0) + 1;
    hi = std::min(st.log.last_seq(), lo + limit - 1);
  } else {
    seq_t before = r.before ? std::min(*r.before, st.log.last_seq() + 1) : st.log.last_seq() + 1;
    hi = before - 1;
    lo = std::max<seq_t>(1, before - limit);
  }
  auto from_memory = [&](seq_t seq) { return st.messages.durable(seq); };
  if (lo > hi) return page_reply(st, r.id, {}, st.names, false, from_memory);
  bool has_more = forward ? hi < st.log.last_seq() : lo > 1;
  seq_t tail_front = st.tail.empty() ? st.log.last_seq() + 1 : st.tail.front().seq;
  if (lo >= tail_front) {
    std::vector<event> events(st.tail.begin() + (lo - tail_front),
                              st.tail.begin() + (hi - tail_front + 1));
    return page_reply(st, r.id, events, st.names, has_more, from_memory);
  }
  auto rp = self->make_response_promise<frame_reply>();
  ++st.outstanding;
  auto conv = st.id;
  auto known = st.names;
  auto ref = r.id;
  self->request(st.rt->db, caf::infinite, db_job{[conv, lo, hi, known](persistence::database& db) {
                  auto read = persistence::event_store{db}.read_after(
                      conv, lo - 1, static_cast<int>(hi - lo + 1));
                  if (!read) return error_message(read.err());
                  event_page page;
                  persistence::user_store users{db};
                  std::set<user_id> unknown;
                  for (auto& e : *read) {
                    if (e.seq > hi) break;
                    page.events.push_back(std::move(e));
                  }
                  // The messages' current state: every change naming them, whatever its seq.
                  auto changes = persistence::event_store{db}.changes_of(conv, lo, hi);
                  if (!changes) return error_message(changes.err());
                  page.changes = std::move(*changes);
                  for (auto* list : {&page.events, &page.changes})
                    for (auto& e : *list) {
                      for (auto id : {e.sender, e.subject})
                        if (id != 0 && !known.count(id)) unknown.insert(id);
                      for (auto id : e.mentions)
                        if (!known.count(id)) unknown.insert(id);
                    }
                  for (auto id : unknown) {
                    auto u = users.find_by_id(id);
                    if (u && *u) page.names.push_back({id, (*u)->username});
                  }
                  return caf::make_message(std::move(page));
                }})
      .then(
          [=](event_page& page) mutable {
            auto& st = self->state;
            --st.outstanding;
            for (auto& n : page.names) st.names.emplace(n.id, n.username);
            std::vector<event> all = page.events;
            all.insert(all.end(), page.changes.begin(), page.changes.end());
            std::sort(all.begin(), all.end(),
                      [](const event& a, const event& b) { return a.seq < b.seq; });
            auto states = fold_messages(all);
            rp.deliver(page_reply(st, ref, page.events, st.names, has_more, [&](seq_t seq) {
              auto it = states.find(seq);
              return it == states.end() ? nullptr : &it->second;
            }));
            check_idle(self);
          },
          [=](caf::error& err) mutable {
            --self->state.outstanding;
            rp.deliver(err);
            check_idle(self);
          });
  return rp;
}

/// Direct conversations and groups are created by a connection's database job; their first
/// command here writes the `created` and `member_added` events (once: later callers just get the
/// conversation).
caf::result<frame_reply> on_create(self_ptr self, const conv_cmd& cmd, const std::string& ref,
                                   const std::string& title) {
  auto& st = self->state;
  for (auto& m : cmd.members) st.names[m.id] = m.username;
  // An empty log means nobody wrote the beginning yet (the store already lists a direct
  // conversation's two members, so the member set cannot tell).
  bool fresh = st.log.last_seq() == 0 && st.log.idle();
  if (!fresh) {
    if (!st.members.will_be_member(cmd.from.user)) return not_member();
    auto* last = st.log.newest_pending();
    if (!last) return frame_reply{protocol::conversation_frame{ref, info_of(st)}};
    // Creation is still on its way to the log: answer when the newest queued event is durable.
    auto rp = self->make_response_promise<frame_reply>();
    last->followers.push_back({rp, ref});
    return rp;
  }
  auto rp = self->make_response_promise<frame_reply>();
  // Everyone in the new conversation sees how it began, also the events from before they
  // were added in this same batch.
  std::vector<user_id> initial;
  for (auto& m : cmd.members) initial.push_back(m.id);
  enqueue(self, make_event(st, "created", cmd.from.user, 0, title), reply_kind::none, {}, {},
          initial);
  const bool group = st.info.kind == persistence::conversation_kind::group;
  for (std::size_t i = 0; i < cmd.members.size(); ++i) {
    bool last = i + 1 == cmd.members.size();
    // The creator owns a group (the payload of member_added is the role).
    std::string role = group && cmd.members[i].id == cmd.from.user ? "owner" : "";
    enqueue(self, make_event(st, "member_added", cmd.from.user, cmd.members[i].id, role),
            last ? reply_kind::conversation : reply_kind::none, last ? rp : reply_promise{}, ref,
            initial);
  }
  flush(self);
  return rp;
}

caf::result<frame_reply> on_member_change(self_ptr self, const conv_cmd& cmd,
                                          const std::string& ref, bool add) {
  auto& st = self->state;
  if (st.info.kind == persistence::conversation_kind::direct)
    return make_chat_error(error_code::forbidden, "direct conversations have fixed members");
  if (!st.members.will_be_member(cmd.from.user)) return not_member();
  if (!cmd.subject_name.empty()) st.names[cmd.subject] = cmd.subject_name;
  if (add) {
    if (st.members.will_be_member(cmd.subject))
      return frame_reply{protocol::conversation_frame{ref, info_of(st)}};
    if (st.members.projected().size() >= protocol::limits::max_group_members)
      return make_chat_error(error_code::too_many_members, "group member limit reached");
  } else if (!st.members.will_be_member(cmd.subject)) {
    return make_chat_error(error_code::not_member, "that user is not a member");
  } else if (!may_remove(st.members.will_have_role(cmd.from.user),
                         st.members.will_have_role(cmd.subject))) {
    return make_chat_error(error_code::forbidden,
                           "only the owner, or an admin for plain members, may remove someone");
  }
  auto rp = self->make_response_promise<frame_reply>();
  enqueue(self, make_event(st, add ? "member_added" : "member_removed", cmd.from.user, cmd.subject),
          reply_kind::conversation, rp, ref);
  flush(self);
  return rp;
}

caf::result<frame_reply> on_leave(self_ptr self, const requester& from,
                                  const protocol::leave_req& r) {
  auto& st = self->state;
  if (st.info.kind == persistence::conversation_kind::direct)
    return make_chat_error(error_code::forbidden, "direct conversations cannot be left");
  if (!st.members.will_be_member(from.user)) return not_member();
  if (st.members.will_have_role(from.user) == role::owner && st.members.projected().size() > 1)
    return make_chat_error(error_code::forbidden,
                           "the owner must hand the group over (set_role owner) before leaving");
  auto rp = self->make_response_promise<frame_reply>();
  enqueue(self, make_event(st, "member_left", from.user, from.user), reply_kind::ok, rp, r.id);
  flush(self);
  return rp;
}

/// Queues `events` and answers with the conversation once the last is durable (or now, when
/// there is nothing to change).
caf::result<frame_reply> enqueue_all(self_ptr self, std::vector<event> events,
                                     const std::string& ref) {
  auto& st = self->state;
  if (events.empty()) return frame_reply{protocol::conversation_frame{ref, info_of(st)}};
  auto rp = self->make_response_promise<frame_reply>();
  for (std::size_t i = 0; i < events.size(); ++i) {
    bool last = i + 1 == events.size();
    enqueue(self, std::move(events[i]), last ? reply_kind::conversation : reply_kind::none,
            last ? rp : reply_promise{}, ref);
  }
  flush(self);
  return rp;
}

caf::result<frame_reply> on_update_group(self_ptr self, const requester& from,
                                         const protocol::update_group_req& r) {
  auto& st = self->state;
  if (st.info.kind == persistence::conversation_kind::direct)
    return make_chat_error(error_code::forbidden, "direct conversations have no group settings");
  if (!st.members.will_be_member(from.user)) return not_member();
  if (!may_update_group(st.members.will_have_role(from.user)))
    return make_chat_error(error_code::forbidden,
                           "only admins and the owner may change the group's settings");
  // The values once every queued change is durable: settings already in effect add no event.
  auto now = st.info;
  st.log.for_each_pending([&](const event& e) {
    if (e.type == kind::renamed) now.title = e.payload;
    if (e.type == kind::description_changed) now.description = e.payload;
    if (e.type == kind::avatar_color_changed) now.avatar_color = e.payload;
    if (e.type == kind::avatar_changed) now.avatar = e.payload;
  });
  std::vector<event> events;
  if (r.title && *r.title != now.title)
    events.push_back(make_event(st, std::string(kind::renamed), from.user, 0, *r.title));
  if (r.description && *r.description != now.description)
    events.push_back(
        make_event(st, std::string(kind::description_changed), from.user, 0, *r.description));
  if (r.avatar_color && *r.avatar_color != now.avatar_color)
    events.push_back(
        make_event(st, std::string(kind::avatar_color_changed), from.user, 0, *r.avatar_color));
  // The image's id was checked by the connection (an image the requester uploaded).
  if (r.avatar && *r.avatar != now.avatar)
    events.push_back(make_event(st, std::string(kind::avatar_changed), from.user, 0, *r.avatar));
  return enqueue_all(self, std::move(events), r.id);
}

caf::result<frame_reply> on_set_role(self_ptr self, const conv_cmd& cmd,
                                     const protocol::set_role_req& r) {
  auto& st = self->state;
  if (st.info.kind == persistence::conversation_kind::direct)
    return make_chat_error(error_code::forbidden, "direct conversations have no roles");
  if (!st.members.will_be_member(cmd.from.user)) return not_member();
  if (!may_set_role(st.members.will_have_role(cmd.from.user)))
    return make_chat_error(error_code::forbidden, "only the owner may give roles");
  if (!st.members.will_be_member(cmd.subject))
    return make_chat_error(error_code::not_member, "that user is not a member");
  if (!cmd.subject_name.empty()) st.names[cmd.subject] = cmd.subject_name;
  const auto wanted = role_of(r.role);
  if (cmd.subject == cmd.from.user && wanted != role::owner)
    return make_chat_error(error_code::forbidden,
                           "hand ownership to someone else (set_role owner) instead");
  std::vector<event> events;
  if (st.members.will_have_role(cmd.subject) != wanted) {
    events.push_back(make_event(st, std::string(kind::role_changed), cmd.from.user, cmd.subject,
                                role_name(wanted)));
    // One owner: handing the group over makes the old owner an admin.
    if (wanted == role::owner)
      events.push_back(make_event(st, std::string(kind::role_changed), cmd.from.user, cmd.from.user,
                                  role_name(role::admin)));
  }
  return enqueue_all(self, std::move(events), r.id);
}

caf::result<frame_reply> on_typing(self_ptr self, const requester& from,
                                   const protocol::typing_req& r) {
  auto& st = self->state;
  if (!st.members.is_member(from.user)) return not_member();
  fan_out(self, st.members.durable(), 0,
          share(protocol::typing_frame{st.id, {from.user, from.username}}), from.user);
  return frame_reply{protocol::ok_frame{r.id}};
}

caf::result<frame_reply> on_read(self_ptr self, const requester& from,
                                 const protocol::read_req& r) {
  auto& st = self->state;
  if (!st.members.is_member(from.user)) return not_member();
  if (r.seq < 0 || r.seq > st.log.last_seq())
    return make_chat_error(error_code::bad_field, "seq is beyond the conversation's last seq");
  auto rp = self->make_response_promise<frame_reply>();
  ++st.outstanding;
  auto conv = st.id;
  auto user = from.user;
  auto seq = r.seq;
  auto frame = share(protocol::read_frame{st.id, {from.user, from.username}, r.seq});
  auto ref = r.id;
  self->request(st.rt->db, caf::infinite, db_job{[conv, user, seq](persistence::database& db) {
                  // Positions only move forward: a read at or below the stored one is acked
                  // but neither stored nor pushed (members never see a position go back).
                  persistence::conversation_store convs{db};
                  auto before = convs.read_seq(conv, user);
                  if (!before) return error_message(before.err());
                  const bool advances = seq > *before;
                  if (advances) {
                    auto s = convs.set_read(conv, user, seq);
                    if (!s) return error_message(s.err());
                  }
                  return caf::make_message(caf::ok_atom_v, advances);
                }})
      .then(
          [=](caf::ok_atom, bool advances) mutable {
            auto& st = self->state;
            --st.outstanding;
            if (advances) fan_out(self, st.members.durable(), 0, frame);
            rp.deliver(frame_reply{protocol::ok_frame{ref}});
            check_idle(self);
          },
          [=](caf::error& err) mutable {
            --self->state.outstanding;
            rp.deliver(err);
            check_idle(self);
          });
  return rp;
}

caf::result<frame_reply> dispatch(self_ptr self, conv_cmd& cmd) {
  auto& st = self->state;
  if (!st.loaded) return st.load_error;
  const auto& from = cmd.from;
  return std::visit(
      [&](auto& r) -> caf::result<frame_reply> {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, protocol::send_req> ||
                      std::is_same_v<T, protocol::edit_message_req> ||
                      std::is_same_v<T, protocol::delete_message_req> ||
                      std::is_same_v<T, protocol::react_req>) {
          return on_change(self, cmd);
        } else if constexpr (std::is_same_v<T, protocol::update_group_req>) {
          return on_update_group(self, from, r);
        } else if constexpr (std::is_same_v<T, protocol::set_role_req>) {
          return on_set_role(self, cmd, r);
        } else if constexpr (std::is_same_v<T, protocol::history_req>) {
          return on_history(self, from, r);
        } else if constexpr (std::is_same_v<T, protocol::open_direct_req>) {
          if (st.info.kind != persistence::conversation_kind::direct)
            return make_chat_error(error_code::internal, "not a direct conversation");
          return on_create(self, cmd, r.id, {});
        } else if constexpr (std::is_same_v<T, protocol::create_group_req>) {
          return on_create(self, cmd, r.id, r.title);
        } else if constexpr (std::is_same_v<T, protocol::add_member_req>) {
          return on_member_change(self, cmd, r.id, true);
        } else if constexpr (std::is_same_v<T, protocol::remove_member_req>) {
          return on_member_change(self, cmd, r.id, false);
        } else if constexpr (std::is_same_v<T, protocol::leave_req>) {
          return on_leave(self, from, r);
        } else if constexpr (std::is_same_v<T, protocol::typing_req>) {
          return on_typing(self, from, r);
        } else if constexpr (std::is_same_v<T, protocol::read_req>) {
          return on_read(self, from, r);
        } else {
          return make_chat_error(error_code::internal, "request does not belong to a conversation");
        }
      },
      cmd.req);
}

/// What chatctl inspect conversation shows; memory counts the bytes the state holds.
actor_report report_of(self_ptr self) {
  auto& st = self->state;
  auto r = make_report(self, "conversation", st.id);
  r.name = st.info.title;
  std::int64_t bytes = sizeof(conversation_state);
  auto event_bytes = [](const event& e) {
    return static_cast<std::int64_t>(sizeof(event) + e.payload.size() + e.client_msg_id.size() +
                                     e.event_id.size() + e.type.size());
  };
  for (auto& e : st.tail) bytes += event_bytes(e);
  st.log.for_each_pending(
      [&](const event& e) { bytes += event_bytes(e) + static_cast<std::int64_t>(sizeof(queued)); });
  bytes += static_cast<std::int64_t>(st.window.size()) * 96;  // key, seq and map node
  for (auto& [u, n] : st.names) bytes += static_cast<std::int64_t>(n.size()) + 48;
  bytes +=
      static_cast<std::int64_t>(st.members.durable().size() + st.members.projected().size()) * 40;
  r.memory_bytes = bytes;
  auto n = [](std::size_t v) { return static_cast<std::int64_t>(v); };
  r.numbers = {{"last_seq", st.log.last_seq()},
               {"tail", n(st.tail.size())},
               {"window", n(st.window.size())},
               {"queued", n(st.log.queued_count())},
               {"in_flight", n(st.log.in_flight_count())},
               {"db_jobs", st.outstanding}};
  r.texts = {{"state", !st.loaded            ? (st.load_error ? "failed" : "activating")
                       : st.passivate_waiter ? "passivating"
                                             : "live"}};
  const auto& members = st.members.durable();
  r.lists = {{"members", std::vector<std::int64_t>(members.begin(), members.end())}};
  return r;
}

conversation_actor::behavior_type conversation(self_ptr self, persistence::conversation_id id,
                                               runtime_ptr rt) {
  auto& st = self->state;
  st.id = id;
  st.rt = rt;
  rt->metrics->live_conversations.Increment();
  self->attach_functor([m = rt->metrics] { m->live_conversations.Decrement(); });
  // Rebuild from the log before anything else is handled: await keeps the mailbox waiting.
  self->request(rt->db, caf::infinite,
                db_job{[id](persistence::database& db) { return load_snapshot(db, id); }})
      .await(
          [=](conv_snapshot& snap) {
            auto& st = self->state;
            st.info = snap.info;
            std::map<user_id, role> roles;
            for (auto& [u, r] : snap.roles) roles[u] = role_of(r);
            st.members.load({snap.members.begin(), snap.members.end()}, roles);
            for (auto& n : snap.names) st.names[n.id] = n.username;
            st.log.set_last_seq(snap.last_seq);
            for (auto& e : snap.tail) remember(st, e);
            st.loaded = true;
          },
          [=](caf::error& err) {
            auto& st = self->state;
            st.load_error = err;
            auto v = view_error(err);
            if (v.code != error_code::not_found)
              CHAT_LOG_WARN("actors", "conversation {}: activation failed ({}: {})", st.id,
                            protocol::to_string(v.code), v.message);
            // Unavailable storage is temporary: answer what is already queued, then stop (the
            // shutdown message queues behind it), so the next request activates a fresh actor
            // that tries again. A missing conversation stays answered with not_found until idle.
            if (view_error(err).code == error_code::unavailable) self->send(self, shutdown_atom_v);
          });
  return {
      [=](conv_cmd& cmd) -> caf::result<frame_reply> { return dispatch(self, cmd); },
      [=](shutdown_atom) { self->quit(); },
      [=](drain_atom) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        self->state.drain_waiters.push_back(rp);
        check_idle(self);
        return rp;
      },
      [=](passivate_atom) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        self->state.passivate_waiter = rp;
        check_idle(self);
        return rp;
      },
      [=](inspect_atom) { return report_of(self); },
  };
}

}  // namespace

conversation_actor spawn_conversation(caf::local_actor* parent, persistence::conversation_id id,
                                      runtime_ptr rt) {
  return parent->spawn<caf::monitored>(conversation, id, std::move(rt));
}

}  // namespace chat::actors
