#include "actors/directory.hpp"

#include <chrono>
#include <unordered_map>
#include <vector>

#include "actors/conversation_actor.hpp"
#include "actors/messages.hpp"
#include "actors/observed_actor.hpp"
#include "actors/user_actor.hpp"

namespace chat::actors {

namespace {

using clock_type = std::chrono::steady_clock;

/// An attach request held while its user actor passivates.
struct attach_req {
  persistence::user_id user = 0;
  connection_actor connection;
  std::string username;
};

/// Messages held while their target passivates, with the promise of whoever asked.
template <class Msg, class Reply>
struct held {
  Msg msg;
  caf::typed_response_promise<Reply> rp;
};

template <class Handle, class Msg, class Reply>
struct entry {
  Handle actor;
  clock_type::time_point last_used;
  bool passivating = false;
  std::vector<held<Msg, Reply>> waiting;
};

using conv_entry_t = entry<conversation_actor, conv_cmd, frame_reply>;

/// A user's entry also keeps the connections its user actor last listed: live events go to them
/// from here, without a hop through the user actor.
struct user_entry_t : entry<user_actor, attach_req, caf::ok_atom> {
  std::vector<connection_actor> connections;
};

struct shard_state {
  runtime_ptr rt;
  std::size_t index = 0;
  std::unordered_map<persistence::conversation_id, conv_entry_t> convs;
  std::unordered_map<persistence::user_id, user_entry_t> users;
  static inline const char* name = "directory";
};

using self_ptr = observed_pointer<directory_shard, shard_state>;

std::chrono::milliseconds tick_interval(const server_config& cfg) {
  auto t = cfg.idle_passivation / 4;
  return std::clamp(t, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
}

conv_entry_t& conv_entry(self_ptr self, persistence::conversation_id id) {
  auto& st = self->state;
  auto i = st.convs.find(id);
  if (i == st.convs.end()) {
    i = st.convs.emplace(id, conv_entry_t{}).first;
    i->second.actor = spawn_conversation(self, id, st.rt);
  }
  i->second.last_used = clock_type::now();
  return i->second;
}

user_entry_t& user_entry(self_ptr self, persistence::user_id id) {
  auto& st = self->state;
  auto i = st.users.find(id);
  if (i == st.users.end()) {
    i = st.users.emplace(id, user_entry_t{}).first;
    i->second.actor = spawn_user(self, id, st.rt);
  }
  i->second.last_used = clock_type::now();
  return i->second;
}

void route(self_ptr self, conv_cmd cmd, caf::typed_response_promise<frame_reply> rp) {
  auto& e = conv_entry(self, cmd.conversation);
  if (e.passivating)
    e.waiting.push_back({std::move(cmd), std::move(rp)});
  else
    rp.delegate(e.actor, std::move(cmd));
}

void route(self_ptr self, attach_req m, caf::typed_response_promise<caf::ok_atom> rp) {
  auto& e = user_entry(self, m.user);
  if (e.passivating)
    e.waiting.push_back({std::move(m), std::move(rp)});
  else
    rp.delegate(e.actor, attach_atom_v, m.user, std::move(m.connection), std::move(m.username));
}

/// The actor answered our passivate request: forget it (held messages go to a fresh actor), or
/// keep it when it refused (a user with connections).
template <class Map, class Handle>
void passivated(self_ptr self, Map& map, std::int64_t id, const Handle& who, bool done) {
  auto i = map.find(id);
  if (i == map.end() || i->second.actor != who) return;
  auto waiting = std::move(i->second.waiting);
  if (done) {
    map.erase(i);
    self->state.rt->metrics->passivations.Increment();
  } else {
    i->second.passivating = false;
    i->second.waiting.clear();
  }
  for (auto& h : waiting) route(self, std::move(h.msg), std::move(h.rp));
}

/// Asks the actor of `key` to passivate; held messages wait for the outcome.
template <class Map, class Entry>
void begin_passivation(self_ptr self, Map& map, std::int64_t key, Entry& e) {
  e.passivating = true;
  auto who = e.actor;
  self->request(who, caf::infinite, passivate_atom_v)
      .then([=, &map](caf::ok_atom) { passivated(self, map, key, who, true); },
            [=, &map](caf::error& err) {
              // A refusal keeps the actor; any other error means it is gone already.
              bool refused = err.category() == caf::atom("actors") &&
                             err.code() == static_cast<std::uint8_t>(actor_errc::busy);
              passivated(self, map, key, who, !refused);
            });
}

template <class Map>
void sweep(self_ptr self, Map& map, clock_type::time_point now) {
  auto idle = self->state.rt->cfg.idle_passivation;
  for (auto& [id, e] : map) {
    if (e.passivating || now - e.last_used < idle) continue;
    begin_passivation(self, map, id, e);
  }
}

template <class Map>
bool forget_dead(self_ptr self, Map& map, const caf::actor_addr& source) {
  for (auto i = map.begin(); i != map.end(); ++i) {
    if (i->second.actor.address() != source) continue;
    auto waiting = std::move(i->second.waiting);
    map.erase(i);
    for (auto& h : waiting) route(self, std::move(h.msg), std::move(h.rp));
    return true;
  }
  return false;
}

directory_shard::behavior_type shard(self_ptr self, runtime_ptr rt, std::size_t index) {
  self->state.rt = rt;
  self->state.index = index;
  // An actor that stopped on its own (storage unavailable during activation, a bug) is forgotten,
  // so the next message activates a fresh one.
  self->set_down_handler([=](caf::down_msg& dm) {
    if (!forget_dead(self, self->state.convs, dm.source))
      forget_dead(self, self->state.users, dm.source);
  });
  // Our children die with us (server stop).
  self->set_exit_handler([=](caf::exit_msg& em) {
    for (auto& [id, e] : self->state.convs) self->send_exit(e.actor, em.reason);
    for (auto& [id, e] : self->state.users) self->send_exit(e.actor, em.reason);
    self->quit(em.reason);
  });
  self->delayed_send(self, tick_interval(rt->cfg), tick_atom_v);
  return {
      [=](conv_cmd& cmd) -> caf::result<frame_reply> {
        auto rp = self->make_response_promise<frame_reply>();
        route(self, std::move(cmd), rp);
        return rp;
      },
      [=](attach_atom, persistence::user_id user, connection_actor& conn,
          std::string& username) -> caf::result<caf::ok_atom> {
        auto rp = self->make_response_promise<caf::ok_atom>();
        route(self, attach_req{user, std::move(conn), std::move(username)}, rp);
        return rp;
      },
      [=](detach_atom, persistence::user_id user, connection_actor& conn) {
        auto i = self->state.users.find(user);
        if (i != self->state.users.end()) {
          i->second.last_used = clock_type::now();
          self->send(i->second.actor, detach_atom_v, user, std::move(conn));
        }
      },
      [=](deliver_msg& d) {
        // Users without an actor have no connection: nothing to do (they sync on reconnect).
        // A passivating user actor refuses passivation while it has connections, and one that
        // quits had none.
        auto& users = self->state.users;
        for (auto u : d.users) {
          auto i = users.find(u);
          if (i == users.end()) continue;
          for (auto& c : i->second.connections)
            self->send(c, push_msg{d.conversation, d.seq, d.frame});
        }
      },
      [=](connections_atom, persistence::user_id user, std::vector<caf::strong_actor_ptr>& list) {
        // Only from the user's current actor: a list from one that was replaced is stale.
        auto i = self->state.users.find(user);
        if (i == self->state.users.end() ||
            caf::actor_cast<caf::strong_actor_ptr>(i->second.actor) != self->current_sender())
          return;
        auto& conns = i->second.connections;
        conns.clear();
        for (auto& p : list) conns.push_back(caf::actor_cast<connection_actor>(std::move(p)));
      },
      [=](tick_atom) {
        auto now = clock_type::now();
        sweep(self, self->state.convs, now);
        sweep(self, self->state.users, now);
        self->delayed_send(self, tick_interval(self->state.rt->cfg), tick_atom_v);
      },
      [=](drain_atom) -> caf::result<caf::ok_atom> {
        auto& convs = self->state.convs;
        if (convs.empty()) return caf::ok_atom_v;
        auto rp = self->make_response_promise<caf::ok_atom>();
        auto left = std::make_shared<std::size_t>(convs.size());
        for (auto& [id, e] : convs) {
          self->request(e.actor, caf::infinite, drain_atom_v)
              .then(
                  [=](caf::ok_atom) mutable {
                    if (--*left == 0) rp.deliver(caf::ok_atom_v);
                  },
                  [=](caf::error&) mutable {
                    if (--*left == 0) rp.deliver(caf::ok_atom_v);
                  });
        }
        return rp;
      },
      [=](list_atom) {
        std::vector<caf::strong_actor_ptr> out;
        for (auto& [id, e] : self->state.convs)
          out.push_back(caf::actor_cast<caf::strong_actor_ptr>(e.actor));
        for (auto& [id, e] : self->state.users)
          out.push_back(caf::actor_cast<caf::strong_actor_ptr>(e.actor));
        return out;
      },
      [=](passivate_atom, persistence::conversation_id id) {
        auto& convs = self->state.convs;
        auto i = convs.find(id);
        if (i == convs.end()) return false;
        if (!i->second.passivating) begin_passivation(self, convs, id, i->second);
        return true;
      },
      [=](kick_atom, persistence::user_id user, std::uint16_t code,
          std::string& reason) -> caf::result<std::int64_t> {
        auto i = self->state.users.find(user);
        if (i == self->state.users.end()) return std::int64_t{0};
        auto rp = self->make_response_promise<std::int64_t>();
        rp.delegate(i->second.actor, kick_atom_v, code, std::move(reason));
        return rp;
      },
      [=](inspect_atom) {
        auto& st = self->state;
        auto r = make_report(self, "shard", static_cast<std::int64_t>(st.index));
        std::int64_t held = 0, passivating = 0;
        auto count = [&](auto& map) {
          for (auto& [id, e] : map) {
            held += static_cast<std::int64_t>(e.waiting.size());
            if (e.passivating) ++passivating;
          }
        };
        count(st.convs);
        count(st.users);
        r.memory_bytes = static_cast<std::int64_t>(sizeof(shard_state) +
                                                   (st.convs.size() + st.users.size()) * 96);
        r.numbers = {{"conversations", static_cast<std::int64_t>(st.convs.size())},
                     {"users", static_cast<std::int64_t>(st.users.size())},
                     {"passivating", passivating},
                     {"held_requests", held}};
        return r;
      },
  };
}

}  // namespace

directory_shard spawn_directory_shard(caf::actor_system& sys, runtime_ptr rt, std::size_t index) {
  return sys.spawn(shard, std::move(rt), index);
}

}  // namespace chat::actors
