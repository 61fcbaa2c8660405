#include "actors/user_actor.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "actors/db_worker.hpp"
#include "actors/frames.hpp"
#include "actors/messages.hpp"
#include "actors/observed_actor.hpp"
#include "persistence/conversation_store.hpp"
#include "protocol/limits.hpp"

namespace chat::actors {

namespace {

struct user_state {
  persistence::user_id id = 0;
  runtime_ptr rt;
  std::vector<connection_actor> connections;
  std::string username;
  static inline const char* name = "user";
};

using self_ptr = observed_pointer<user_actor, user_state>;

/// Tells everyone who shares a conversation with this user that it came online / went offline.
/// The contacts are read fresh each time (conversations change); `await` keeps the transitions
/// in order (an offline must not overtake the online before it).
void broadcast_presence(self_ptr self, bool online) {
  auto& st = self->state;
  auto id = st.id;
  self->request(st.rt->db, caf::infinite, db_job{[id](persistence::database& db) {
                  // One statement however many conversations the user is in.
                  auto contacts = persistence::conversation_store{db}.contacts_of(id);
                  if (!contacts) return error_message(contacts.err());
                  resolved r;
                  for (auto u : *contacts) r.users.push_back({u, {}});
                  return caf::make_message(std::move(r));
                }})
      .await(
          [=](resolved& r) {
            auto& st = self->state;
            auto frame = share(protocol::presence_frame{{st.id, st.username}, online});
            std::map<std::size_t, deliver_msg> by_shard;
            for (auto& u : r.users)
              by_shard[util::shard_of(u.id, st.rt->shards.size())].users.push_back(u.id);
            for (auto& [idx, d] : by_shard) {
              d.frame = frame;
              self->send(st.rt->shards[idx], std::move(d));
            }
          },
          [](caf::error&) {
            // Presence is best effort (the protocol marks it optional): storage trouble skips it.
          });
}

/// Live events skip this actor: the shard pushes them to the connections straight away, from
/// the list sent here after every change (one actor hop less per delivery). A connection added
/// here is welcomed only after this list is on its way, and its sync reads everything committed
/// before the shard saw the list, so no event falls between the two.
void publish_connections(self_ptr self) {
  auto& st = self->state;
  std::vector<caf::strong_actor_ptr> list;
  list.reserve(st.connections.size());
  for (auto& c : st.connections) list.push_back(caf::actor_cast<caf::strong_actor_ptr>(c));
  self->send(st.rt->shard_of_user(st.id), connections_atom_v, st.id, std::move(list));
}

void drop(self_ptr self, const caf::actor_addr& conn) {
  auto& c = self->state.connections;
  auto before = c.size();
  c.erase(std::remove_if(c.begin(), c.end(),
                         [&](const connection_actor& a) { return a.address() == conn; }),
          c.end());
  if (c.size() == before) return;
  publish_connections(self);
  if (c.empty()) broadcast_presence(self, false);
}

user_actor::behavior_type user(self_ptr self, persistence::user_id id, runtime_ptr rt) {
  self->state.id = id;
  self->state.rt = rt;
  rt->metrics->live_users.Increment();
  self->attach_functor([m = rt->metrics] { m->live_users.Decrement(); });
  // A connection that dies without detaching (crash) still leaves the registry.
  self->set_down_handler([=](caf::down_msg& dm) { drop(self, dm.source); });
  return {
      [=](attach_atom, persistence::user_id, connection_actor& conn,
          std::string& username) -> caf::result<caf::ok_atom> {
        auto& c = self->state.connections;
        if (c.size() >= static_cast<std::size_t>(protocol::limits::max_connections_per_user))
          return make_chat_error(protocol::error_code::too_many_connections,
                                 "too many connections for this user");
        c.push_back(conn);
        self->monitor(conn);
        publish_connections(self);
        self->state.username = std::move(username);
        if (c.size() == 1) broadcast_presence(self, true);
        return caf::ok_atom_v;
      },
      [=](detach_atom, persistence::user_id, connection_actor& conn) {
        self->demonitor(conn.address());
        drop(self, conn.address());
      },
      [=](passivate_atom) -> caf::result<caf::ok_atom> {
        if (!self->state.connections.empty())
          return caf::make_error(actor_errc::busy, "connections attached");
        self->quit();
        return caf::ok_atom_v;
      },
      [=](kick_atom, std::uint16_t code, std::string& reason) {
        // Each connection closes its socket and detaches itself.
        for (auto& c : self->state.connections) self->send(c, kick_atom_v, code, reason);
        return static_cast<std::int64_t>(self->state.connections.size());
      },
      [=](inspect_atom) {
        auto& st = self->state;
        auto r = make_report(self, "user", st.id);
        r.name = st.username;
        std::vector<std::int64_t> ids;
        for (auto& c : st.connections) ids.push_back(static_cast<std::int64_t>(c.id()));
        r.memory_bytes = static_cast<std::int64_t>(sizeof(user_state) + st.username.size() +
                                                   st.connections.size() * 16);
        r.lists = {{"connections", std::move(ids)}};
        return r;
      },
  };
}

}  // namespace

user_actor spawn_user(caf::local_actor* parent, persistence::user_id id, runtime_ptr rt) {
  return parent->spawn<caf::monitored>(user, id, std::move(rt));
}

}  // namespace chat::actors
