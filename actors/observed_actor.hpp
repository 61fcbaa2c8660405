#pragma once
// What the admin actor reports for every actor without the actor's handlers doing anything:
// messages handled, time of the last one, age. The counting sits in consume(), CAF's one entry
// point for every mailbox element, so no handler can forget it.
#include <chrono>
#include <cstdint>

#include <caf/all.hpp>

#include "actors/server.hpp"

namespace chat::actors {

struct actor_counters {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::time_point last_message = started;
  std::int64_t handled = 0;
};

/// An actor base (event-based or typed) that counts what it consumes.
template <class Base>
class observed : public Base {
 public:
  using Base::Base;
  caf::invoke_message_result consume(caf::mailbox_element& x) override {
    auto r = Base::consume(x);
    ++counters.handled;
    counters.last_message = std::chrono::steady_clock::now();
    return r;
  }
  actor_counters counters;
};

/// The common part of every actor's report: counters, mailbox, age and idle time.
template <class Self>
actor_report make_report(Self* self, std::string kind, std::int64_t id) {
  using namespace std::chrono;
  actor_report r;
  r.kind = std::move(kind);
  r.actor = self->id();
  r.id = id;
  // Called from the actor's own handler: the mailbox is read by its owner.
  r.mailbox = static_cast<std::int64_t>(self->mailbox().size());
  const auto& c = self->counters;
  auto now = steady_clock::now();
  r.handled = c.handled;
  r.age_ms = duration_cast<milliseconds>(now - c.started).count();
  r.idle_ms = duration_cast<milliseconds>(now - c.last_message).count();
  return r;
}

/// The `self` of a stateful actor implementing interface `Handle` (a typed_actor) with counters.
template <class Handle, class State>
using observed_pointer = caf::stateful_actor<State, observed<typename Handle::base>>*;

}  // namespace chat::actors
