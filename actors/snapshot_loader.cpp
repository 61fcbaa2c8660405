#include "actors/snapshot_loader.hpp"

#include "actors/db_worker.hpp"
#include "persistence/conversation_store.hpp"
#include "persistence/event_store.hpp"

namespace chat::actors {

caf::message load_snapshot(persistence::database& db, persistence::conversation_id id) {
  persistence::conversation_store convs{db};
  auto found = convs.find(id);
  if (!found) return error_message(found.err());
  if (!*found)
    return caf::make_message(
        make_chat_error(protocol::error_code::not_found, "no such conversation"));
  conv_snapshot snap;
  snap.info = **found;
  auto members = convs.members(id);
  if (!members) return error_message(members.err());
  snap.members = std::move(*members);
  auto roles = convs.roles(id);
  if (!roles) return error_message(roles.err());
  snap.roles = std::move(*roles);
  persistence::event_store events{db};
  auto last = events.last_seq(id);
  if (!last) return error_message(last.err());
  snap.last_seq = *last;
  auto tail = events.read_before(id, snap.last_seq + 1, static_cast<int>(tail_capacity));
  if (!tail) return error_message(tail.err());
  snap.tail = std::move(*tail);
  // Names of the members and of everyone the tail mentions: one statement, not one per user.
  const persistence::seq_t tail_from =
      snap.tail.empty() ? snap.last_seq : snap.tail.front().seq - 1;
  auto names = convs.names_in(id, tail_from);
  if (!names) return error_message(names.err());
  for (auto& u : *names) snap.names.push_back({u.id, u.username});
  return caf::make_message(std::move(snap));
}

}  // namespace chat::actors
