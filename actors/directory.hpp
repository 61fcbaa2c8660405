#pragma once
// The directory: N shard actors mapping conversation and user ids to live actors. A shard spawns
// an actor on the first message for its id, routes every later message to it, and passivates it
// after server_config::idle_passivation without traffic (the actor finishes in-flight work first;
// messages arriving meanwhile wait in the shard and go to a fresh actor).
#include <caf/all.hpp>

#include "actors/handles.hpp"

namespace chat::actors {

/// `index`: its place in runtime::shards (what chatctl shows as the shard id).
directory_shard spawn_directory_shard(caf::actor_system& sys, runtime_ptr rt, std::size_t index);

}  // namespace chat::actors
