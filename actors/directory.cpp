#include "actors/directory.hpp"

#include <chrono>
#include <unordered_map>
#include <vector>

#include "actors/conversation_actor.hpp"
#include "actors/messages.hpp"
#include "actors/user_actor.hpp"

namespace chat::actors {

namespace {

using clock_type = std::chrono::steady_clock;

/// Messages held while their target passivates, with the promise of whoever asked.
template <class Msg>
struct held {
  Msg msg;
  caf::response_promise rp;
};

template <class Msg>
struct entry {
  caf::actor actor;
  clock_type::time_point last_used;
  bool passivating = false;
  std::vector<held<Msg>> waiting;
};

struct shard_state {
  runtime_ptr rt;
  std::unordered_map<persistence::conversation_id, entry<conv_cmd>> convs;
  std::unordered_map<persistence::user_id, entry<attach_msg>> users;
  static inline const char* name = "directory";
};

using self_ptr = caf::stateful_actor<shard_state>*;

std::chrono::milliseconds tick_interval(const server_config& cfg) {
  auto t = cfg.idle_passivation / 4;
  return std::clamp(t, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
}

entry<conv_cmd>& conv_entry(self_ptr self, persistence::conversation_id id) {
  auto& st = self->state;
  auto i = st.convs.find(id);
  if (i == st.convs.end()) {
    i = st.convs.emplace(id, entry<conv_cmd>{}).first;
    i->second.actor = spawn_conversation(self, id, st.rt);
  }
  i->second.last_used = clock_type::now();
  return i->second;
}

entry<attach_msg>& user_entry(self_ptr self, persistence::user_id id) {
  auto& st = self->state;
  auto i = st.users.find(id);
  if (i == st.users.end()) {
    i = st.users.emplace(id, entry<attach_msg>{}).first;
    i->second.actor = spawn_user(self, id, st.rt);
  }
  i->second.last_used = clock_type::now();
  return i->second;
}

void route(self_ptr self, conv_cmd cmd, caf::response_promise rp) {
  auto& e = conv_entry(self, cmd.conversation);
  if (e.passivating)
    e.waiting.push_back({std::move(cmd), std::move(rp)});
  else
    rp.delegate(e.actor, std::move(cmd));
}

void route(self_ptr self, attach_msg m, caf::response_promise rp) {
  auto& e = user_entry(self, m.user);
  if (e.passivating)
    e.waiting.push_back({std::move(m), std::move(rp)});
  else
    rp.delegate(e.actor, std::move(m));
}

/// The actor answered our passivate request: forget it (held messages go to a fresh actor), or
/// keep it when it refused (a user with connections).
template <class Map>
void passivated(self_ptr self, Map& map, std::int64_t id, const caf::actor& who, bool done) {
  auto i = map.find(id);
  if (i == map.end() || i->second.actor != who) return;
  auto waiting = std::move(i->second.waiting);
  if (done) {
    map.erase(i);
    self->state.rt->metrics->passivations.fetch_add(1, std::memory_order_relaxed);
  } else {
    i->second.passivating = false;
    i->second.waiting.clear();
  }
  for (auto& h : waiting) route(self, std::move(h.msg), std::move(h.rp));
}

template <class Map>
void sweep(self_ptr self, Map& map, clock_type::time_point now) {
  auto idle = self->state.rt->cfg.idle_passivation;
  for (auto& [id, e] : map) {
    if (e.passivating || now - e.last_used < idle) continue;
    e.passivating = true;
    auto key = id;
    auto who = e.actor;
    self->request(who, caf::infinite, passivate_atom_v)
        .then([=, &map](bool done) { passivated(self, map, key, who, done); },
              [=, &map](caf::error&) { passivated(self, map, key, who, true); });
  }
}

template <class Map>
bool forget_dead(self_ptr self, Map& map, const caf::actor_addr& source) {
  for (auto i = map.begin(); i != map.end(); ++i) {
    if (i->second.actor.address() != source) continue;
    auto key = i->first;
    auto waiting = std::move(i->second.waiting);
    map.erase(i);
    for (auto& h : waiting) route(self, std::move(h.msg), std::move(h.rp));
    (void)key;
    return true;
  }
  return false;
}

caf::behavior shard(self_ptr self, runtime_ptr rt) {
  self->state.rt = rt;
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
      [=](conv_cmd& cmd) { route(self, std::move(cmd), self->make_response_promise()); },
      [=](attach_msg& m) { route(self, std::move(m), self->make_response_promise()); },
      [=](detach_msg& m) {
        auto i = self->state.users.find(m.user);
        if (i != self->state.users.end()) {
          i->second.last_used = clock_type::now();
          self->send(i->second.actor, std::move(m));
        }
      },
      [=](deliver_msg& d) {
        // Users without an actor have no connection: nothing to do (they sync on reconnect).
        // A passivating user actor still gets it: it refuses passivation while it has
        // connections, and one that quits had none.
        auto& users = self->state.users;
        for (auto u : d.users) {
          auto i = users.find(u);
          if (i != users.end())
            self->send(i->second.actor, push_msg{d.conversation, d.seq, d.frame});
        }
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
        auto rp = self->make_response_promise();
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
  };
}

}  // namespace

directory_shard spawn_directory_shard(caf::actor_system& sys, runtime_ptr rt) {
  return sys.spawn(shard, std::move(rt));
}

}  // namespace chat::actors
