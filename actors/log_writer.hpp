#pragma once
// The log writer: one detached actor (its own thread and database connection) that commits
// appends from many conversations in one transaction per batch (group commit).
#include <memory>

#include <caf/all.hpp>

#include "actors/handles.hpp"
#include "persistence/database.hpp"

namespace chat::actors {

/// Spawns the log writer on its own thread. It takes ownership of `db`.
log_writer_actor spawn_log_writer(caf::actor_system& sys, std::shared_ptr<persistence::database> db,
                                  runtime_ptr rt);

}  // namespace chat::actors
