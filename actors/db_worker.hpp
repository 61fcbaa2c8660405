#pragma once
// A small pool of detached actors that run blocking database work off CAF's scheduler threads.
// Each worker owns its own persistence::database connection (SOCI sessions are not thread-safe)
// and reopens it after the database was unavailable.
#include <cstddef>
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/handles.hpp"
#include "actors/messages.hpp"
#include "persistence/result.hpp"

namespace chat::actors {

/// Spawns `n` detached workers behind one round-robin pool handle. Send it db_job requests.
/// The workers are also appended to `workers` (so stop() can wait for their connections to close).
/// `rt` receives outage reports (weak: the workers must not keep the runtime alive).
db_pool_actor spawn_db_pool(caf::actor_system& sys, std::string db_url, std::size_t n,
                            std::vector<caf::actor>& workers, std::weak_ptr<runtime> rt);

/// A persistence error as the caf::error a job replies with (unavailable stays unavailable,
/// not_found stays not_found, everything else is internal).
caf::error to_caf_error(const persistence::error& e);

/// Convenience for jobs: a reply message holding the error.
inline caf::message error_message(const persistence::error& e) {
  return caf::make_message(to_caf_error(e));
}

}  // namespace chat::actors
