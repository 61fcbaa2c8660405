#include "actors/user_actor.hpp"

#include <algorithm>
#include <vector>

#include "actors/messages.hpp"
#include "protocol/limits.hpp"

namespace chat::actors {

namespace {

struct user_state {
  persistence::user_id id = 0;
  runtime_ptr rt;
  std::vector<caf::actor> connections;
  static inline const char* name = "user";
};

using self_ptr = caf::stateful_actor<user_state>*;

void drop(self_ptr self, const caf::actor_addr& conn) {
  auto& c = self->state.connections;
  c.erase(
      std::remove_if(c.begin(), c.end(), [&](const caf::actor& a) { return a.address() == conn; }),
      c.end());
}

caf::behavior user(self_ptr self, persistence::user_id id, runtime_ptr rt) {
  self->state.id = id;
  self->state.rt = rt;
  rt->metrics->live_users.fetch_add(1, std::memory_order_relaxed);
  self->attach_functor(
      [m = rt->metrics] { m->live_users.fetch_sub(1, std::memory_order_relaxed); });
  // A connection that dies without detaching (crash) still leaves the registry.
  self->set_down_handler([=](caf::down_msg& dm) { drop(self, dm.source); });
  return {
      [=](attach_msg& m) -> caf::result<caf::ok_atom> {
        auto& c = self->state.connections;
        if (c.size() >= static_cast<std::size_t>(protocol::limits::max_connections_per_user))
          return make_chat_error(protocol::error_code::too_many_connections,
                                 "too many connections for this user");
        c.push_back(m.connection);
        self->monitor(m.connection);
        return caf::ok_atom_v;
      },
      [=](detach_msg& m) {
        self->demonitor(m.connection);
        drop(self, m.connection.address());
      },
      [=](push_msg& m) {
        for (auto& c : self->state.connections) self->send(c, m);
      },
      [=](passivate_atom) -> bool {
        if (!self->state.connections.empty()) return false;
        self->quit();
        return true;
      },
  };
}

}  // namespace

user_actor spawn_user(caf::local_actor* parent, persistence::user_id id, runtime_ptr rt) {
  return parent->spawn<caf::monitored>(user, id, std::move(rt));
}

}  // namespace chat::actors
