#pragma once
// The conversation actor: owner of one conversation's sequence numbers. It rebuilds itself from
// the event log on activation, checks membership and idempotency, assigns seq = last + 1, hands
// events to the log writer, and only once they are durable acks the sender and delivers them.
#include <caf/all.hpp>

#include "actors/handles.hpp"
#include "persistence/types.hpp"

namespace chat::actors {

/// Spawned by a directory shard (monitored by it) on the first request for `id`.
conversation_actor spawn_conversation(caf::local_actor* parent, persistence::conversation_id id,
                                      runtime_ptr rt);

}  // namespace chat::actors
