#pragma once
#include "actors/handles.hpp"

namespace chat::actors {

/// The one admin actor of a server (chatctl's inspection and levers; docs/admin.md).
admin_actor spawn_admin(caf::actor_system& sys, runtime_ptr rt);

}  // namespace chat::actors
