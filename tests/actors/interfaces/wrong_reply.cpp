// Compiled by the ctest cases "interfaces: ..." (tests/actors/CMakeLists.txt), never linked.
// CHAT_CASE 0 is the control and must compile; every other case breaks one actor contract of
// actors/handles.hpp and must be refused by the compiler with the message the test expects.
#include <caf/all.hpp>

#include "actors/handles.hpp"

namespace chat::actors {

// Asks a conversation and a log writer, as a connection and a conversation do.
void ask(caf::event_based_actor* self, conversation_actor conv, log_writer_actor log) {
#if CHAT_CASE == 1
  // A conversation answers conv_cmd with frame_reply, not ok_atom.
  self->request(conv, caf::infinite, conv_cmd{}).then([](caf::ok_atom) {});
#else
  self->request(conv, caf::infinite, conv_cmd{}).then([](frame_reply&) {});
#endif
  self->request(log, caf::infinite, append_atom_v, append_req{}).then([](append_outcome&) {});
}

// A log writer whose handlers reply what its interface promises (or, in case 2 and 3, not).
log_writer_actor::behavior_type writer(log_writer_actor::pointer self) {
  return {
#if CHAT_CASE == 2
    [](append_atom, append_req&) -> caf::result<caf::ok_atom> { return caf::ok_atom_v; },
#else
    [](append_atom, append_req&) -> caf::result<append_outcome> { return append_outcome{}; },
#endif
        [](commit_atom) {}, [](touch_atom) {},
        [=](drain_atom) -> caf::result<caf::ok_atom> {
          auto rp = self->make_response_promise<caf::ok_atom>();
#if CHAT_CASE == 3
          rp.deliver(append_outcome{});  // a typed promise takes only its own reply type
#else
          rp.deliver(caf::ok_atom_v);
#endif
          return rp;
        },
        [](inspect_atom) -> caf::result<actor_report> { return actor_report{}; },
  };
}

}  // namespace chat::actors
