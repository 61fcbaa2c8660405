#pragma once
// A small pool of detached actors that run blocking database work off CAF's scheduler threads.
// Their connections come from persistence::connection_pool, the one home of blocking database
// work (auth uses it too): one connection per worker, dropped when lost, reopened by the next job.
#include <cstddef>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/handles.hpp"
#include "actors/messages.hpp"
#include "persistence/database.hpp"
#include "persistence/result.hpp"

namespace chat::actors {

/// Spawns `n` detached workers behind one round-robin pool handle. Send it db_job requests.
/// Their connections come from one persistence::connection_pool (rt->db_connections; losses
/// and reconnects are logged, component actors); the workers are appended to rt->db_workers (so
/// stop() can wait for them).
db_pool_actor spawn_db_pool(caf::actor_system& sys, persistence::db_config db, std::size_t n,
                            const runtime_ptr& rt);

/// A persistence error as the caf::error a job replies with (unavailable stays unavailable,
/// not_found stays not_found, everything else is internal).
caf::error to_caf_error(const persistence::error& e);

/// Convenience for jobs: a reply message holding the error.
inline caf::message error_message(const persistence::error& e) {
  return caf::make_message(to_caf_error(e));
}

}  // namespace chat::actors
