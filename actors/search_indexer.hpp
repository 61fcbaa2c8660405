#pragma once
// The search indexer: one detached actor (its own thread and database connection) that writes
// committed messages, edits and deletes into the search index after the commit, in rounds.
#include <memory>

#include <caf/all.hpp>

#include "actors/handles.hpp"
#include "persistence/database.hpp"

namespace chat::actors {

/// Spawns the indexer on its own thread. It takes ownership of `db`.
search_indexer_actor spawn_search_indexer(caf::actor_system& sys,
                                          std::shared_ptr<persistence::database> db,
                                          runtime_ptr rt);

}  // namespace chat::actors
