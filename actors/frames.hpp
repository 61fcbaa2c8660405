#pragma once
// Turning log events into protocol frames, and frames into shared serialized text.
#include <cstdint>
#include <string>
#include <unordered_map>

#include "actors/message_state.hpp"
#include "actors/messages.hpp"
#include "persistence/types.hpp"
#include "protocol/messages.hpp"

namespace chat::actors {

/// user id -> username, for rendering user_refs.
using name_map = std::unordered_map<persistence::user_id, std::string>;

/// The protocol view of one log event (usernames from `names`; unknown ids render as "").
protocol::event_frame to_event_frame(const persistence::event& e, const name_map& names);

/// Shows a `message` event in its current state: the latest text ("" once deleted), edited_ts,
/// deleted, mentions and reactions (grouped by emoji, in the order each first appeared).
void apply_state(protocol::event_frame& f, const message_state& s, const name_map& names);

/// Serializes once; every recipient shares the result.
shared_frame share(const protocol::server_frame& f);

/// An error frame answering request `ref`.
protocol::error_frame make_error_frame(protocol::error_code code, std::string message,
                                       std::string ref);

/// 32 random hex characters (event ids).
std::string random_event_id();

/// "direct" / "group".
const char* kind_name(persistence::conversation_kind k);

}  // namespace chat::actors
