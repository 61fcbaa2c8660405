#pragma once
// The connection actor: one per WebSocket. Parses frames into typed requests (one parser per
// connection), enforces the request rate limit, answers hello, routes requests to conversations
// (through the directory) or to database workers, writes replies and live events to the
// frame_sink, and runs sync replays so that every event reaches it exactly once, in seq order.
#include <memory>
#include <string>

#include <caf/all.hpp>

#include "actors/handles.hpp"
#include "actors/server.hpp"
#include "persistence/types.hpp"

namespace chat::actors {

connection_actor spawn_connection(caf::actor_system& sys, runtime_ptr rt, persistence::user_id user,
                                  std::string username, std::shared_ptr<frame_sink> sink,
                                  std::int64_t session_expires_ms = 0);

}  // namespace chat::actors
