#pragma once
// The only type-ID block of chat_actors: every atom and message struct the actors exchange.
//
// Messages that carry plain data get an `inspect` (they could cross a node boundary later).
// Messages that carry a `std::variant` of protocol types, a shared serialized frame or a database
// job are whitelisted as local-only (CAF_ALLOW_UNSAFE_MESSAGE_TYPE): they never leave this process
// today, and sharing one buffer between recipients is the point. docs/architecture.md says why.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/message_state.hpp"
#include "actors/server.hpp"
#include "persistence/database.hpp"
#include "persistence/result.hpp"
#include "persistence/types.hpp"
#include "protocol/error_code.hpp"
#include "protocol/messages.hpp"

namespace chat::actors {

/// One serialized server frame, shared by every recipient (serialize once, send many).
using shared_frame = std::shared_ptr<const std::string>;

/// Who asks: the authenticated user behind a connection.
struct requester {
  persistence::user_id user = 0;
  std::string username;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, requester& x) {
  return f(caf::meta::type_name("requester"), x.user, x.username);
}

/// A client request bound for one conversation actor (routed by the directory shard).
/// `req` is the typed request; `subject` carries a user id the connection already resolved
/// (add/remove member, the peer of a direct chat); `members` the resolved members of a new group.
struct conv_cmd {
  persistence::conversation_id conversation = 0;
  requester from;
  protocol::request req;
  persistence::user_id subject = 0;
  std::string subject_name;
  std::vector<protocol::user_ref> members;  ///< create_group / open_direct: who is in it
  /// send: the checked attachments (JSON for the event, ids for message_attachments).
  std::string attachments;
  std::vector<std::string> attachment_ids;
};

/// The reply to a conv_cmd: one frame for the requesting connection (serialized there).
struct frame_reply {
  protocol::server_frame frame;
};

/// A live event (or an unsequenced frame such as typing/read when seq == 0) for some users.
struct deliver_msg {
  std::vector<persistence::user_id> users;
  persistence::conversation_id conversation = 0;
  persistence::seq_t seq = 0;
  shared_frame frame;
};

/// The same frame, for one connection of a listed user (the shard sends it to each).
struct push_msg {
  persistence::conversation_id conversation = 0;
  persistence::seq_t seq = 0;
  shared_frame frame;
};

/// A batch of events from one conversation, contiguous in seq, for the log writer.
struct append_req {
  std::vector<persistence::event> events;
};

/// What became of an append_req: events with seq <= committed_upto are durable; if `failed`,
/// the event at failed_seq failed with `code` and nothing after it was written.
struct append_outcome {
  persistence::seq_t committed_upto = 0;
  bool failed = false;
  persistence::seq_t failed_seq = 0;
  persistence::errc code = persistence::errc::internal;
  std::string message;
};

/// Log writer -> search indexer: these conversations are committed from `after` up to `upto`,
/// with the message, edit and delete events of those seqs (so the indexer need not read them
/// back from the log).
struct index_note {
  struct part {
    persistence::conversation_id conversation = 0;
    persistence::seq_t after = 0;
    persistence::seq_t upto = 0;
    std::vector<persistence::event> events;
  };
  std::vector<part> committed;
};

/// Blocking work for a database worker (a detached actor that owns one connection). The job
/// returns the reply message: values, or a caf::error made with make_chat_error().
struct db_job {
  std::function<caf::message(persistence::database&)> run;
};

/// What a conversation actor loads on activation (see conversation_actor.cpp).
struct conv_snapshot {
  persistence::conversation info;
  std::vector<persistence::user_id> members;
  std::vector<std::pair<persistence::user_id, std::string>> roles;  ///< every member's role
  std::vector<protocol::user_ref> names;  ///< members and everyone in the tail
  persistence::seq_t last_seq = 0;
  std::vector<persistence::event> tail;  ///< the newest events, ascending
};

/// Events read from the log for a page, with names for everyone they mention.
struct event_page {
  std::vector<persistence::event> events;
  std::vector<protocol::user_ref> names;
  std::vector<persistence::event> changes;  ///< changes to the page's messages (any seq)
};

/// A message older than a conversation's tail, read from the log with its changes: `as_of` is
/// the log's last seq when the read began (later events come from the tail).
struct loaded_message {
  bool found = false;  ///< false: no message at that seq
  message_state state;
  persistence::seq_t as_of = 0;
};

/// Users (and possibly the conversation) a database job resolved for a connection.
struct resolved {
  persistence::conversation_id conversation = 0;
  std::vector<protocol::user_ref> users;
};

/// Errors between actors that never reach a client (category "actors").
enum class actor_errc : std::uint8_t {
  busy = 1,  ///< a user actor refuses passivation while connections are attached
};

}  // namespace chat::actors

// Local-only messages (see the note at the top).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::actors::conv_cmd)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::actors::frame_reply)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::actors::deliver_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::actors::push_msg)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::actors::append_req)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::actors::append_outcome)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::actors::index_note)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::actors::db_job)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::actors::conv_snapshot)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::actors::event_page)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::actors::loaded_message)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::actors::resolved)
// Admin answers (actors/server.hpp) stay in this process too.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::actors::actor_report)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(chat::actors::live_status)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<chat::actors::actor_report>)

// Errors travel as caf::error of category "chat" whose code is a protocol::error_code; errors
// that stay between actors have category "actors".
CAF_ERROR_CODE_ENUM(chat::protocol::error_code, "chat")
CAF_ERROR_CODE_ENUM(chat::actors::actor_errc, "actors")

CAF_BEGIN_TYPE_ID_BLOCK(chat_actors, caf::first_custom_type_id)

CAF_ADD_TYPE_ID(chat_actors, (chat::actors::requester))
CAF_ADD_TYPE_ID(chat_actors, (chat::actors::conv_cmd))
CAF_ADD_TYPE_ID(chat_actors, (chat::actors::frame_reply))
CAF_ADD_TYPE_ID(chat_actors, (chat::actors::deliver_msg))
CAF_ADD_TYPE_ID(chat_actors, (chat::actors::push_msg))
CAF_ADD_TYPE_ID(chat_actors, (chat::actors::append_req))
CAF_ADD_TYPE_ID(chat_actors, (chat::actors::append_outcome))
CAF_ADD_TYPE_ID(chat_actors, (chat::actors::db_job))
CAF_ADD_TYPE_ID(chat_actors, (chat::actors::index_note))
CAF_ADD_TYPE_ID(chat_actors, (chat::actors::conv_snapshot))
CAF_ADD_TYPE_ID(chat_actors, (chat::actors::event_page))
CAF_ADD_TYPE_ID(chat_actors, (chat::actors::loaded_message))
CAF_ADD_TYPE_ID(chat_actors, (chat::actors::resolved))
CAF_ADD_TYPE_ID(chat_actors, (chat::actors::actor_report))
CAF_ADD_TYPE_ID(chat_actors, (chat::actors::live_status))
CAF_ADD_TYPE_ID(chat_actors, (std::vector<chat::actors::actor_report>))

CAF_ADD_ATOM(chat_actors, chat::actors, frame_atom, "frame")    ///< gateway -> connection: text
CAF_ADD_ATOM(chat_actors, chat::actors, closed_atom, "closed")  ///< gateway -> connection
CAF_ADD_ATOM(chat_actors, chat::actors, append_atom, "append")  ///< conversation -> log writer
CAF_ADD_ATOM(chat_actors, chat::actors, commit_atom, "commit")  ///< log writer -> itself
CAF_ADD_ATOM(chat_actors, chat::actors, drain_atom, "drain")    ///< finish pending work, reply
CAF_ADD_ATOM(chat_actors, chat::actors, passivate_atom, "passivate")  ///< shard -> idle actor
CAF_ADD_ATOM(chat_actors, chat::actors, tick_atom, "tick")            ///< shard: passivation sweep
CAF_ADD_ATOM(chat_actors, chat::actors, shutdown_atom, "shutdown")    ///< stop (close with 1001)
CAF_ADD_ATOM(chat_actors, chat::actors, attach_atom, "attach")        ///< connection -> user actor
CAF_ADD_ATOM(chat_actors, chat::actors, detach_atom, "detach")        ///< connection -> user actor
CAF_ADD_ATOM(chat_actors, chat::actors, sync_hold_atom, "synchold")   ///< connection -> itself
CAF_ADD_ATOM(chat_actors, chat::actors, inspect_atom, "inspect")    ///< admin -> any actor: report
CAF_ADD_ATOM(chat_actors, chat::actors, list_atom, "list")          ///< admin -> shard: children
CAF_ADD_ATOM(chat_actors, chat::actors, kick_atom, "kick")          ///< admin -> ... -> connection
CAF_ADD_ATOM(chat_actors, chat::actors, status_atom, "status")      ///< server -> admin: rates
CAF_ADD_ATOM(chat_actors, chat::actors, resume_atom, "resume")      ///< connection: next sync page
CAF_ADD_ATOM(chat_actors, chat::actors, index_atom, "index")        ///< search indexer -> itself
CAF_ADD_ATOM(chat_actors, chat::actors, connections_atom, "conns")  ///< user actor -> its shard
CAF_ADD_ATOM(chat_actors, chat::actors, touch_atom, "touch")        ///< log writer -> itself

CAF_END_TYPE_ID_BLOCK(chat_actors)

namespace chat::actors {

/// A caf::error carrying a protocol error code and a one-line message.
inline caf::error make_chat_error(protocol::error_code code, std::string message) {
  return caf::make_error(code, std::move(message));
}

/// The protocol error code and message inside any caf::error (foreign errors become internal).
struct chat_error_view {
  protocol::error_code code = protocol::error_code::internal;
  std::string message;
};

inline chat_error_view view_error(const caf::error& e) {
  chat_error_view v;
  if (e.category() == caf::atom("chat")) {
    v.code = static_cast<protocol::error_code>(e.code());
    if (e.context().match_elements<std::string>()) v.message = e.context().get_as<std::string>(0);
  } else if (e.category() == caf::atom("system") &&
             (e.code() == static_cast<std::uint8_t>(caf::sec::request_receiver_down) ||
              e.code() == static_cast<std::uint8_t>(caf::sec::request_timeout))) {
    // The actor that held the request went away (passivated or restarting): safe to retry.
    v.code = protocol::error_code::unavailable;
    v.message = "try again";
  } else {
    v.message = "internal error";
  }
  return v;
}

}  // namespace chat::actors
