// What a conversation actor rebuilds from on activation, read by one blocking database job.
#pragma once

#include <cstddef>

#include <caf/message.hpp>

#include "actors/messages.hpp"
#include "persistence/database.hpp"

namespace chat::actors {

/// Recent events a conversation keeps in memory for history (its tail).
constexpr std::size_t tail_capacity = 256;

/// The conversation, its members and roles, its last seq, the newest `tail_capacity` events and
/// the names of everyone they mention: six statements whatever the size of the conversation (a
/// test counts them). Replies a `conv_snapshot`, or an error (`not_found` for no such
/// conversation).
caf::message load_snapshot(persistence::database& db, persistence::conversation_id id);

}  // namespace chat::actors
