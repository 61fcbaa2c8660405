#pragma once
// The user actor: one per user with live connections. Holds the user's connections (multi-device)
// and forwards every event for the user to each of them.
#include <caf/all.hpp>

#include "actors/handles.hpp"
#include "persistence/types.hpp"

namespace chat::actors {

/// Spawned by a directory shard (monitored by it) when a connection attaches.
user_actor spawn_user(caf::local_actor* parent, persistence::user_id id, runtime_ptr rt);

}  // namespace chat::actors
