#pragma once
// /metrics in the Prometheus text exposition format (version 0.0.4), free of Beast.
#include <string>

#include "actors/server.hpp"
#include "gateway/server.hpp"

namespace chat::gateway {

/// Renders the actor system's snapshot and the gateway's own counters.
std::string render_metrics(const actors::metrics& m, const counters& c);

}  // namespace chat::gateway
