#include "actors/connection_actor.hpp"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <unordered_map>
#include <vector>

#include "actors/db_worker.hpp"
#include "actors/frames.hpp"
#include "actors/messages.hpp"
#include "actors/observed_actor.hpp"
#include "actors/profile_jobs.hpp"
#include "actors/sync_tracker.hpp"
#include "persistence/attachment_store.hpp"
#include "persistence/conversation_store.hpp"
#include "persistence/event_store.hpp"
#include "persistence/message_search.hpp"
#include "persistence/user_store.hpp"
#include "protocol/limits.hpp"
#include "protocol/parser.hpp"
#include "protocol/serializer.hpp"
#include "util/clock.hpp"
#include "util/text.hpp"
#include "util/token_bucket.hpp"

namespace chat::actors {

namespace {

using persistence::seq_t;
using persistence::user_id;
using protocol::error_code;
using protocol::limits;
using clock_type = std::chrono::steady_clock;

constexpr int abuse_close_after = 100;   ///< rate-limited frames in a row before close 1008
constexpr std::size_t max_stashed = 64;  ///< frames held while hello is being answered
// Database work a connection asks for itself, in units of the user's budget (section 8).
constexpr double list_cost = 4;          ///< list_conversations: a page of up to 200
constexpr double search_cost = 2;        ///< search: up to 5000 rows looked at
constexpr double search_users_cost = 1;  ///< search_users: one index range
constexpr double profile_cost = 1;       ///< set_profile, get_profiles: a few indexed reads
constexpr auto sync_poll_interval = std::chrono::milliseconds(5);  ///< replay waiting for reads

struct connection_state {
  runtime_ptr rt;
  user_id user = 0;
  std::int64_t session_expires_ms = 0;  ///< for welcome.session_expires (0: unknown)
  std::string username;
  std::shared_ptr<frame_sink> sink;
  bool hello_done = false, hello_pending = false, closed = false;
  std::vector<std::string> stashed;
  util::token_bucket bucket{0, 0, 0};  ///< set from server_config when the actor starts
  int limited_in_row = 0;
  sync_tracker tracker;  ///< what was written of each conversation, replays, the welcome hold
  // For chatctl inspect connection.
  std::int64_t frames_in = 0, bytes_in = 0, frames_out = 0, bytes_out = 0;
  static inline const char* name = "connection";
};

using self_ptr = observed_pointer<connection_actor, connection_state>;

connection_actor handle_of(self_ptr self) {
  return caf::actor_cast<connection_actor>(self);
}

void send_shared(self_ptr self, const shared_frame& f) {
  auto& st = self->state;
  st.rt->metrics->frames_out.Increment();
  ++st.frames_out;
  st.bytes_out += static_cast<std::int64_t>(f->size());
  st.sink->send(f);
}

void send_all(self_ptr self, std::vector<shared_frame>& out) {
  for (auto& f : out) send_shared(self, f);
  out.clear();
}

void send_frame(self_ptr self, const protocol::server_frame& f) {
  if (auto e = std::get_if<protocol::error_frame>(&f))
    self->state.rt->metrics->count_error(protocol::to_string(e->code));
  send_shared(self, share(f));
}

void send_error(self_ptr self, error_code code, std::string message, std::string ref) {
  // Every `unavailable` a client hears leaves a trace: counted, and one log line per 5 s.
  if (code == error_code::unavailable) self->state.rt->note_outage("websocket", message);
  send_frame(self, make_error_frame(code, std::move(message), std::move(ref)));
}

void send_error(self_ptr self, const caf::error& err, std::string ref) {
  auto v = view_error(err);
  send_error(self, v.code, std::move(v.message), std::move(ref));
}

/// Leaves the user registry and stops. `code` != 0 also closes the socket.
void finish(self_ptr self, std::uint16_t code = 0, std::string reason = {}) {
  auto& st = self->state;
  if (st.closed) return;
  st.closed = true;
  if (code != 0) st.sink->close(code, std::move(reason));
  if (st.hello_done)
    self->send(st.rt->shard_of_user(st.user), detach_atom_v, st.user, handle_of(self));
  self->quit();
}

/// Token bucket: requests_per_second refill, request_burst capacity.
bool take_token(connection_state& st) {
  return st.bucket.try_take(util::steady_ms());
}

/// The user's budget for the database work its connections ask for themselves (lookups, not
/// sends): one user, on however many connections, cannot keep the shared database workers busy.
/// Refused work is answered rate_limited; it does not count toward the 1008 close.
bool take_db_work(connection_state& st, double cost) {
  return st.rt->db_budgets.try_take(st.user, cost, util::steady_ms());
}

/// Asks a conversation (via its directory shard); `on_ok` gets the reply, errors become frames.
void ask_conv(self_ptr self, conv_cmd cmd, std::string ref,
              std::function<void(frame_reply&)> on_ok = nullptr,
              std::function<void(const caf::error&)> on_err = nullptr) {
  auto& shard = self->state.rt->shard_of_conversation(cmd.conversation);
  self->request(shard, caf::infinite, std::move(cmd))
      .then(
          [=](frame_reply& r) {
            if (on_ok)
              on_ok(r);
            else
              send_frame(self, r.frame);
          },
          [=](caf::error& err) {
            if (on_err)
              on_err(err);
            else
              send_error(self, err, ref);
          });
}

conv_cmd make_cmd(self_ptr self, persistence::conversation_id conv, protocol::request req) {
  conv_cmd cmd;
  cmd.conversation = conv;
  cmd.from = requester{self->state.user, self->state.username};
  cmd.req = std::move(req);
  return cmd;
}

/// Runs blocking work on a database worker; `on_ok` gets the reply.
template <class T, class Job>
void ask_db(self_ptr self, Job job, std::string ref, std::function<void(T&)> on_ok) {
  self->request(self->state.rt->db, caf::infinite, db_job{std::move(job)})
      .then([=](T& x) { on_ok(x); }, [=](caf::error& err) { send_error(self, err, ref); });
}

// ---- live events and sync ----

void on_push(self_ptr self, push_msg& m) {
  auto& st = self->state;
  if (st.closed) return;
  // One scratch list per scheduler thread: a push allocates nothing of its own.
  thread_local std::vector<shared_frame> out;
  st.tracker.on_live(m.conversation, m.seq, std::move(m.frame), out);
  send_all(self, out);
}

void release_hold(self_ptr self) {
  auto& st = self->state;
  if (!st.tracker.holding()) return;
  std::vector<shared_frame> out;
  st.tracker.release(out);
  send_all(self, out);
}

void end_replay(self_ptr self, int op, persistence::conversation_id conv, seq_t from,
                bool reached) {
  std::vector<shared_frame> out;
  auto done = self->state.tracker.end_replay(op, conv, from, reached, out);
  send_all(self, out);
  if (done) send_frame(self, *done);
}

void sync_page(self_ptr self, int op, std::string ref, persistence::conversation_id conv,
               seq_t cursor, seq_t from);

/// Flow control of a replay: the next page is fetched only once the client has read most of the
/// previous ones (the socket's backlog is below the gateway's throttle mark), so a long gap is
/// caught up at the client's pace instead of overflowing its queue (4008).
void next_sync_page(self_ptr self, int op, std::string ref, persistence::conversation_id conv,
                    seq_t cursor, seq_t from) {
  if (self->state.closed) return;
  if (!self->state.sink->congested())
    return sync_page(self, op, std::move(ref), conv, cursor, from);
  self->delayed_send(self, sync_poll_interval, resume_atom_v, op, std::move(ref), conv, cursor,
                     from);
}

/// One page of a replay through the conversation actor (which checks membership and serves it
/// from its tail or the log); the next page is asked for when the client has read the previous.
void sync_page(self_ptr self, int op, std::string ref, persistence::conversation_id conv,
               seq_t cursor, seq_t from) {
  protocol::history_req h;
  h.id = ref;
  h.conversation = conv;
  h.after = cursor;
  h.limit = limits::max_history_limit;
  ask_conv(
      self, make_cmd(self, conv, h), ref,
      [=](frame_reply& r) {
        auto* page = std::get_if<protocol::history_frame>(&r.frame);
        if (!page) return end_replay(self, op, conv, from, false);
        seq_t next = cursor;
        for (auto& e : page->events) {
          next = e.seq;
          if (self->state.tracker.on_replayed(conv, e.seq)) send_frame(self, e);
        }
        if (page->has_more && next > cursor)
          next_sync_page(self, op, ref, conv, next, from);
        else
          end_replay(self, op, conv, from, true);
      },
      [=](const caf::error&) {
        // Not a member (any more), no such conversation, storage trouble: that position is left
        // out of sync_done; the client learns the current list from list_conversations.
        end_replay(self, op, conv, from, false);
      });
}

void start_sync(self_ptr self, const protocol::sync_req& r) {
  std::vector<shared_frame> out;
  auto start = self->state.tracker.begin_sync(r, out);
  send_all(self, out);
  if (start.done) send_frame(self, *start.done);
  for (auto& p : start.replays) sync_page(self, start.op, r.id, p.conversation, p.after, p.after);
}

// ---- requests that need the database before (or instead of) a conversation ----

protocol::user_ref find_user(persistence::database& db, const std::string& username,
                             caf::error& err) {
  auto u = persistence::user_store{db}.find_by_username(username);
  if (!u) {
    err = to_caf_error(u.err());
    return {};
  }
  if (!*u) {
    err = make_chat_error(error_code::not_found, "no user named " + username);
    return {};
  }
  return {(*u)->id, (*u)->username};
}

void on_open_direct(self_ptr self, const protocol::open_direct_req& r) {
  auto me = protocol::user_ref{self->state.user, self->state.username};
  auto name = r.username;
  ask_db<resolved>(
      self,
      [me, name](persistence::database& db) {
        caf::error err;
        auto peer = find_user(db, name, err);
        if (err) return caf::make_message(err);
        if (peer.id == me.id)
          return caf::make_message(
              make_chat_error(error_code::forbidden, "a direct conversation needs another user"));
        auto d = persistence::conversation_store{db}.get_or_create_direct(me.id, peer.id,
                                                                          util::now_ms());
        if (!d) return error_message(d.err());
        return caf::make_message(resolved{d->c.id, {me, peer}});
      },
      r.id,
      [=](resolved& res) {
        auto cmd = make_cmd(self, res.conversation, r);
        cmd.members = res.users;
        ask_conv(self, std::move(cmd), r.id);
      });
}

void on_create_group(self_ptr self, const protocol::create_group_req& r) {
  auto me = protocol::user_ref{self->state.user, self->state.username};
  auto names = r.members;
  auto title = r.title;
  ask_db<resolved>(
      self,
      [me, names, title](persistence::database& db) {
        resolved res;
        res.users.push_back(me);
        std::set<user_id> ids{me.id};
        for (auto& n : names) {
          caf::error err;
          auto u = find_user(db, n, err);
          if (err) return caf::make_message(err);
          if (ids.insert(u.id).second) res.users.push_back(u);
        }
        if (res.users.size() > limits::max_group_members)
          return caf::make_message(make_chat_error(
              error_code::too_many_members,
              "a group has at most " + std::to_string(limits::max_group_members) + " members"));
        auto c = persistence::conversation_store{db}.create_group(title, util::now_ms());
        if (!c) return error_message(c.err());
        res.conversation = c->id;
        return caf::make_message(std::move(res));
      },
      r.id,
      [=](resolved& res) {
        auto cmd = make_cmd(self, res.conversation, r);
        cmd.members = res.users;
        ask_conv(self, std::move(cmd), r.id);
      });
}

template <class Req>
void on_member_change(self_ptr self, const Req& r) {
  auto name = r.username;
  ask_db<resolved>(
      self,
      [name](persistence::database& db) {
        caf::error err;
        auto u = find_user(db, name, err);
        if (err) return caf::make_message(err);
        return caf::make_message(resolved{0, {u}});
      },
      r.id,
      [=](resolved& res) {
        auto cmd = make_cmd(self, r.conversation, r);
        cmd.subject = res.users.front().id;
        cmd.subject_name = res.users.front().username;
        ask_conv(self, std::move(cmd), r.id);
      });
}

void on_list(self_ptr self, const protocol::list_conversations_req& r) {
  std::optional<persistence::list_position> after;
  if (r.cursor) {
    after = persistence::decode_list_position(*r.cursor);
    if (!after)
      return send_error(self, error_code::bad_field,
                        "field 'cursor' is not a cursor this server gave out", r.id);
  }
  auto me = self->state.user;
  auto ref = r.id;
  auto limit = static_cast<std::size_t>(std::clamp(r.limit, 1, protocol::limits::max_list_limit));
  ask_db<frame_reply>(
      self,
      [me, ref, limit, after](persistence::database& db) {
        // A fixed number of statements however many conversations the user has (unread too).
        auto page = persistence::conversation_store{db}.summaries_of(me, limit, after);
        if (!page) return error_message(page.err());
        protocol::conversations_frame out;
        out.ref = ref;
        out.conversations.reserve(page->items.size());
        // The frame stays under max_list_frame_bytes: the page ends early (at least one
        // conversation) and next_cursor says where to go on.
        auto frame_size = [](protocol::conversations_frame f) {
          return protocol::serialize(protocol::server_frame{std::move(f)}).size();
        };
        const std::size_t bare = frame_size({});
        constexpr std::size_t cursor_room = 64;  // ,"next_cursor":"<ms>.<id>"
        std::size_t bytes = frame_size({ref, {}, {}}) + cursor_room;
        bool more = page->more;
        std::optional<persistence::list_position> last;
        for (auto& s : page->items) {
          protocol::conversation_info ci;
          ci.id = s.c.id;
          ci.kind = kind_name(s.c.kind);
          ci.title = s.c.title;
          ci.description = s.c.description;
          ci.avatar_color = s.c.avatar_color;
          ci.avatar = s.c.avatar;
          ci.last_seq = s.c.last_seq;
          ci.read_seq = s.read_seq;
          ci.unread = s.unread;
          ci.unread_mentions = s.unread_mentions;
          name_map names;
          for (std::size_t i = 0; i < s.members.size(); ++i) {
            const auto& m = s.members[i];
            ci.members.push_back({m.id, m.username});
            names.emplace(m.id, m.username);  // also for the last event's mentions
            if (s.c.kind == persistence::conversation_kind::direct || i >= s.roles.size()) continue;
            if (s.roles[i] == "owner") ci.owner = m.id;
            if (s.roles[i] == "admin") ci.admins.push_back(m.id);
          }
          if (s.last_event) {
            names[s.last_event->sender] = s.last_sender_name;
            if (s.last_event->subject != 0) names[s.last_event->subject] = s.last_subject_name;
            ci.last_event = to_event_frame(*s.last_event, names);
          }
          const std::size_t size = frame_size({"", {ci}, {}}) - bare + 1;  // + a comma
          if (!out.conversations.empty() && bytes + size > protocol::limits::max_list_frame_bytes) {
            more = true;
            break;
          }
          bytes += size;
          out.conversations.push_back(std::move(ci));
          last = persistence::list_position{s.last_activity_ms, s.c.id};
        }
        if (more && last) out.next_cursor = persistence::encode_list_position(*last);
        return caf::make_message(frame_reply{std::move(out)});
      },
      ref, [=](frame_reply& f) { send_frame(self, f.frame); });
}

void on_search(self_ptr self, const protocol::search_users_req& r) {
  auto prefix = r.prefix;
  auto limit = std::clamp(r.limit, 1, 50);
  auto ref = r.id;
  ask_db<frame_reply>(
      self,
      [prefix, limit, ref](persistence::database& db) {
        auto found = persistence::user_store{db}.search(prefix, limit);
        if (!found) return error_message(found.err());
        protocol::users_frame out;
        out.ref = ref;
        for (auto& u : *found) out.users.push_back({u.id, u.username});
        return caf::make_message(frame_reply{std::move(out)});
      },
      ref, [=](frame_reply& f) { send_frame(self, f.frame); });
}

void on_search_messages(self_ptr self, const protocol::search_req& r) {
  std::optional<persistence::search_text::cursor> below;
  if (r.cursor) {
    below = persistence::search_text::decode(*r.cursor);
    if (!below)
      return send_error(self, error_code::bad_field,
                        "field 'cursor' is not a cursor this server gave out", r.id);
  }
  auto me = self->state.user;
  auto query = r.query;
  auto limit = std::clamp(r.limit, 1, protocol::limits::max_search_limit);
  auto ref = r.id;
  ask_db<frame_reply>(
      self,
      [me, query, below, limit, ref](persistence::database& db) {
        auto page = persistence::message_search{db}.search(me, query, below, limit);
        if (!page) return error_message(page.err());
        protocol::search_results_frame out;
        out.ref = ref;
        for (auto& h : page->hits)
          out.hits.push_back({h.conversation,
                              h.seq,
                              {h.sender, std::move(h.sender_name)},
                              h.ts,
                              std::move(h.excerpt)});
        if (page->next) out.next_cursor = persistence::search_text::encode(*page->next);
        return caf::make_message(frame_reply{std::move(out)});
      },
      ref, [=](frame_reply& f) { send_frame(self, f.frame); });
}

void forward_send(self_ptr self, conv_cmd cmd, std::string ref, clock_type::time_point started) {
  ask_conv(self, std::move(cmd), ref, [self, started](frame_reply& rep) {
    // Ack latency: from the frame read to its ack queued (the event is durable by then).
    if (std::holds_alternative<protocol::ack_frame>(rep.frame))
      self->state.rt->metrics->ack_seconds.Observe(
          std::chrono::duration<double>(clock_type::now() - started).count());
    send_frame(self, rep.frame);
  });
}

void on_send(self_ptr self, const protocol::send_req& r) {
  auto started = clock_type::now();
  if (r.attachments.empty())
    return forward_send(self, make_cmd(self, r.conversation, r), r.id, started);
  std::vector<std::string> ids;
  for (const auto& a : r.attachments)
    if (std::find(ids.begin(), ids.end(), a) == ids.end()) ids.push_back(a);
  auto me = self->state.user;
  // Only attachments the sender may fetch can go into a message. await (not then): later
  // requests of this connection wait, so its sends still reach the conversation in order.
  self->request(self->state.rt->db, caf::infinite, db_job{[me, ids](persistence::database& db) {
                  auto usable = persistence::attachment_store{db}.usable_by(me, ids);
                  if (!usable) return error_message(usable.err());
                  if (usable->size() != ids.size())
                    return caf::make_message(make_chat_error(
                        error_code::not_found, "no such attachment (or not one you may share)"));
                  std::vector<protocol::attachment_info> infos;
                  for (const auto& a : *usable)
                    infos.push_back({a.id, a.file_name, a.content_type, a.size,
                                     !a.thumb_sha256.empty(), a.width, a.height});
                  return caf::make_message(protocol::serialize_attachments(infos));
                }})
      .await(
          [=](std::string& json) {
            auto cmd = make_cmd(self, r.conversation, r);
            cmd.attachments = std::move(json);
            cmd.attachment_ids = ids;
            forward_send(self, std::move(cmd), r.id, started);
          },
          [=](caf::error& err) { send_error(self, err, r.id); });
}

// ---- profiles and avatars ----

/// Pushes a frame to every connection of these users, one message per directory shard.
void push_to_users(self_ptr self, const std::vector<protocol::user_ref>& users,
                   const shared_frame& frame) {
  auto& st = self->state;
  std::map<std::size_t, deliver_msg> by_shard;
  for (const auto& u : users)
    by_shard[util::shard_of(u.id, st.rt->shards.size())].users.push_back(u.id);
  for (auto& [idx, d] : by_shard) {
    d.frame = frame;
    self->send(st.rt->shards[idx], std::move(d));
  }
}

void on_set_profile(self_ptr self, const protocol::set_profile_req& r) {
  auto me = self->state.user;
  self->request(self->state.rt->db, caf::infinite,
                db_job{[me, r](persistence::database& db) { return set_profile_job(db, me, r); }})
      .then(
          [=](frame_reply& f, resolved& push) {
            send_frame(self, f.frame);
            const auto& users = std::get<protocol::users_frame>(f.frame).users;
            if (!push.users.empty() && !users.empty())
              push_to_users(self, push.users, share(protocol::profile_frame{users.front()}));
          },
          [=](caf::error& err) { send_error(self, err, r.id); });
}

void on_get_profiles(self_ptr self, const protocol::get_profiles_req& r) {
  auto me = self->state.user;
  ask_db<frame_reply>(
      self, [me, r](persistence::database& db) { return get_profiles_job(db, me, r); }, r.id,
      [=](frame_reply& f) { send_frame(self, f.frame); });
}

/// update_group with an avatar: the image must be the requester's own upload. await (not then):
/// later requests of this connection wait, so its changes reach the conversation in order.
void on_update_group(self_ptr self, const protocol::update_group_req& r) {
  if (!r.avatar || r.avatar->empty())
    return ask_conv(self, make_cmd(self, r.conversation, r), r.id);
  auto me = self->state.user;
  auto avatar = *r.avatar;
  self->request(self->state.rt->db, caf::infinite, db_job{[me, avatar](persistence::database& db) {
                  return own_avatar_job(db, me, avatar);
                }})
      .await([=](caf::ok_atom) { ask_conv(self, make_cmd(self, r.conversation, r), r.id); },
             [=](caf::error& err) { send_error(self, err, r.id); });
}

void on_request(self_ptr self, protocol::request& req);
/// Rate limit, parse, answer: one client frame once the welcome is out (or not yet asked for).
void handle_text(self_ptr self, std::string& text);

/// The reply to hello, then what waited for it.
void send_welcome(self_ptr self, const std::string& ref, protocol::user_ref user) {
  auto& st = self->state;
  st.hello_pending = false;
  st.hello_done = true;
  protocol::welcome_frame w;
  w.ref = ref;
  w.version = protocol::protocol_version;
  w.user = std::move(user);
  if (st.session_expires_ms > 0) w.session_expires = util::iso8601_utc(st.session_expires_ms);
  send_frame(self, w);
  // Live events wait for the client's first request: a sync replays before them.
  if (st.rt->cfg.sync_hold.count() > 0) {
    st.tracker.hold();
    self->delayed_send(self, st.rt->cfg.sync_hold, sync_hold_atom_v);
  }
  // Frames pipelined behind hello, in order, each answered as if it came now
  // (malformed ones get their error frame too).
  auto stashed = std::move(st.stashed);
  st.stashed.clear();
  for (auto& text : stashed) handle_text(self, text);
}

void on_hello(self_ptr self, const protocol::hello_req& r) {
  auto& st = self->state;
  if (st.hello_done || st.hello_pending)
    return send_error(self, error_code::already_authenticated, "hello was already sent", r.id);
  // The version is checked by the parser: another one never becomes a hello_req.
  st.hello_pending = true;
  auto ref = r.id;
  self->request(st.rt->shard_of_user(st.user), caf::infinite, attach_atom_v, st.user,
                handle_of(self), st.username)
      .then(
          [=](caf::ok_atom) {
            // The welcome carries the user's profile: one read, then the welcome either way.
            auto me = self->state.user;
            // Bounded: a frozen database must not hold the welcome (the gateway's session check
            // passed a moment ago, so this is rare).
            self->request(
                    self->state.rt->db, std::chrono::seconds(2),
                    db_job{[me](persistence::database& db) { return my_profile_job(db, me); }})
                .then([=](resolved& r) { send_welcome(self, ref, r.users.front()); },
                      [=](caf::error&) {
                        // Storage trouble: the welcome without the avatar (get_profiles has it).
                        send_welcome(self, ref, {self->state.user, self->state.username});
                      });
          },
          [=](caf::error& err) {
            auto& st = self->state;
            st.hello_pending = false;
            send_error(self, err, ref);
            if (view_error(err).code == error_code::too_many_connections)
              finish(self, 4029, "too many connections");
          });
}

void on_request(self_ptr self, protocol::request& req) {
  auto& st = self->state;
  if (auto h = std::get_if<protocol::hello_req>(&req)) return on_hello(self, *h);
  if (!st.hello_done)
    return send_error(self, error_code::not_authenticated, "send hello first",
                      protocol::request_id(req));
  // Requests that only look things up keep the welcome hold (a client may list its conversations
  // before it syncs); the sync itself, and anything that acts, end it.
  if (!std::holds_alternative<protocol::sync_req>(req) &&
      !std::holds_alternative<protocol::list_conversations_req>(req) &&
      !std::holds_alternative<protocol::search_users_req>(req) &&
      !std::holds_alternative<protocol::search_req>(req) &&
      !std::holds_alternative<protocol::get_profiles_req>(req) &&
      !std::holds_alternative<protocol::ping_req>(req))
    release_hold(self);
  if (st.rt->stopping.load(std::memory_order_relaxed))
    return send_error(self, error_code::unavailable, "server shutting down",
                      protocol::request_id(req));
  std::visit(
      [&](auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, protocol::send_req>) {
          on_send(self, r);
        } else if constexpr (std::is_same_v<T, protocol::history_req> ||
                             std::is_same_v<T, protocol::leave_req> ||
                             std::is_same_v<T, protocol::typing_req> ||
                             std::is_same_v<T, protocol::read_req> ||
                             std::is_same_v<T, protocol::edit_message_req> ||
                             std::is_same_v<T, protocol::delete_message_req> ||
                             std::is_same_v<T, protocol::react_req>) {
          ask_conv(self, make_cmd(self, r.conversation, r), r.id);
        } else if constexpr (std::is_same_v<T, protocol::update_group_req>) {
          on_update_group(self, r);
        } else if constexpr (std::is_same_v<T, protocol::set_profile_req>) {
          if (!take_db_work(st, profile_cost))
            return send_error(self, error_code::rate_limited, "database budget spent, slow down",
                              r.id);
          on_set_profile(self, r);
        } else if constexpr (std::is_same_v<T, protocol::get_profiles_req>) {
          if (!take_db_work(st, profile_cost))
            return send_error(self, error_code::rate_limited, "database budget spent, slow down",
                              r.id);
          on_get_profiles(self, r);
        } else if constexpr (std::is_same_v<T, protocol::add_member_req> ||
                             std::is_same_v<T, protocol::remove_member_req> ||
                             std::is_same_v<T, protocol::set_role_req>) {
          on_member_change(self, r);
        } else if constexpr (std::is_same_v<T, protocol::sync_req>) {
          start_sync(self, r);
        } else if constexpr (std::is_same_v<T, protocol::open_direct_req>) {
          on_open_direct(self, r);
        } else if constexpr (std::is_same_v<T, protocol::create_group_req>) {
          on_create_group(self, r);
        } else if constexpr (std::is_same_v<T, protocol::list_conversations_req>) {
          if (!take_db_work(st, list_cost))
            return send_error(self, error_code::rate_limited, "database budget spent, slow down",
                              r.id);
          on_list(self, r);
        } else if constexpr (std::is_same_v<T, protocol::search_users_req>) {
          if (!take_db_work(st, search_users_cost))
            return send_error(self, error_code::rate_limited, "database budget spent, slow down",
                              r.id);
          on_search(self, r);
        } else if constexpr (std::is_same_v<T, protocol::search_req>) {
          if (!take_db_work(st, search_cost))
            return send_error(self, error_code::rate_limited, "database budget spent, slow down",
                              r.id);
          on_search_messages(self, r);
        } else if constexpr (std::is_same_v<T, protocol::ping_req>) {
          send_frame(self, protocol::pong_frame{r.id});
        }
      },
      req);
}

void on_frame(self_ptr self, std::string& text) {
  auto& st = self->state;
  if (st.closed) return;
  st.rt->metrics->frames_in.Increment();
  ++st.frames_in;
  st.bytes_in += static_cast<std::int64_t>(text.size());
  if (st.hello_pending) {
    // The welcome is on its way; keep order by handling these after it.
    if (st.stashed.size() < max_stashed)
      st.stashed.push_back(std::move(text));
    else
      send_error(self, error_code::rate_limited, "wait for welcome", {});
    return;
  }
  handle_text(self, text);
}

void handle_text(self_ptr self, std::string& text) {
  auto& st = self->state;
  if (st.closed) return;
  // One parser per scheduler thread, not per connection: its buffers would count against every
  // idle socket. A parse result owns its strings, so nothing refers to the parser afterwards.
  static thread_local protocol::parser parser;
  auto parsed = parser.parse(text);
  if (!take_token(st)) {
    auto* pe = std::get_if<protocol::parse_error>(&parsed);
    auto ref = pe ? pe->ref : protocol::request_id(std::get<protocol::request>(parsed));
    send_error(self, error_code::rate_limited, "too many requests, slow down", ref);
    if (++st.limited_in_row >= abuse_close_after)
      finish(self, 1008, "rate limit exceeded repeatedly");
    return;
  }
  st.limited_in_row = 0;
  if (auto* pe = std::get_if<protocol::parse_error>(&parsed))
    return send_error(self, pe->code, pe->message, pe->ref);
  on_request(self, std::get<protocol::request>(parsed));
}

/// What chatctl inspect connection shows.
actor_report report_of(self_ptr self) {
  auto& st = self->state;
  auto r = make_report(self, "connection", static_cast<std::int64_t>(self->id()));
  r.name = st.username;
  auto sink = st.sink->stats();
  const auto sync = st.tracker.summarize();
  std::int64_t bytes = static_cast<std::int64_t>(sizeof(connection_state)) + sync.memory_bytes;
  for (auto& t : st.stashed) bytes += static_cast<std::int64_t>(t.size());
  r.memory_bytes = bytes;
  r.numbers = {{"user", st.user},
               {"frames_in", st.frames_in},
               {"bytes_in", st.bytes_in},
               {"frames_out", st.frames_out},
               {"bytes_out", st.bytes_out},
               {"outbound_queue", sink.queued_frames},
               {"outbound_queue_bytes", sink.queued_bytes},
               {"conversations_streamed", sync.streamed},
               {"syncing_conversations", sync.syncing},
               {"sync_buffered_events", sync.buffered},
               {"held_after_welcome", sync.held},
               {"syncs_running", sync.syncs_running}};
  r.texts = {{"peer", sink.peer},
             {"sync_state", !st.hello_done ? (st.hello_pending ? "hello pending" : "before hello")
                            : sync.syncs_running > 0 ? "syncing"
                                                     : "live"}};
  return r;
}

connection_actor::behavior_type connection_behavior(self_ptr self, runtime_ptr rt, user_id user,
                                                    std::string username,
                                                    std::shared_ptr<frame_sink> sink,
                                                    std::int64_t session_expires_ms) {
  auto& st = self->state;
  st.rt = rt;
  st.user = user;
  st.session_expires_ms = session_expires_ms;
  st.username = std::move(username);
  st.sink = std::move(sink);
  st.bucket =
      util::token_bucket(rt->cfg.request_burst, rt->cfg.requests_per_second, util::steady_ms());
  rt->metrics->connections.Increment();
  rt->metrics->live_connections.Increment();
  {
    std::lock_guard<std::mutex> guard{rt->connections_mu};
    rt->connections.emplace(self->id(), handle_of(self));
  }
  self->attach_functor([rt, id = self->id()] {
    rt->metrics->connections.Decrement();
    rt->metrics->live_connections.Decrement();
    std::lock_guard<std::mutex> guard{rt->connections_mu};
    rt->connections.erase(id);
  });
  return {
      [=](frame_atom, std::string& text) { on_frame(self, text); },
      [=](push_msg& m) { on_push(self, m); },
      [=](closed_atom) { finish(self); },
      [=](resume_atom, int op, std::string& ref, persistence::conversation_id conv, seq_t cursor,
          seq_t from) { next_sync_page(self, op, std::move(ref), conv, cursor, from); },
      [=](shutdown_atom) { finish(self, 1001, "server shutting down"); },
      [=](sync_hold_atom) { release_hold(self); },
      [=](kick_atom, std::uint16_t code, std::string& reason) {
        finish(self, code, std::move(reason));
      },
      [=](inspect_atom) { return report_of(self); },
  };
}

}  // namespace

connection_actor spawn_connection(caf::actor_system& sys, runtime_ptr rt, user_id user,
                                  std::string username, std::shared_ptr<frame_sink> sink,
                                  std::int64_t session_expires_ms) {
  return sys.spawn(connection_behavior, std::move(rt), user, std::move(username), std::move(sink),
                   session_expires_ms);
}

}  // namespace chat::actors
