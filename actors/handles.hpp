#pragma once
// Every actor interface of chat_actors (one commented line per handler; "internal" marks
// messages an actor sends itself), and the shared runtime the actors are spawned with.
//
// The handles are typed: a request whose reply handler expects the wrong type, a handler that
// returns the wrong type, or a message an actor does not understand is a compile error. Errors
// travel as values (caf::error of category "chat" or "actors", see messages.hpp) beside the reply
// type. Only the database pool stays dynamic: a db_job's reply is whatever its function returns.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "actors/messages.hpp"
#include "actors/server.hpp"
#include "actors/user_budgets.hpp"
#include "logging/logger.hpp"
#include "metrics/registry.hpp"
#include "persistence/connection_pool.hpp"
#include "persistence/outage_log.hpp"
#include "persistence/types.hpp"
#include "protocol/error_code.hpp"
#include "util/shard.hpp"

namespace chat::actors {

/// One per WebSocket; spawned by server::connect, fed by the gateway's connection_handle.
using connection_actor = caf::typed_actor<
    // gateway: one text frame from the client.
    caf::reacts_to<frame_atom, std::string>,
    // gateway: the socket is gone; leave the user registry and stop.
    caf::reacts_to<closed_atom>,
    // shard: a live event (seq > 0) or an unsequenced frame (typing, read) to write.
    caf::reacts_to<push_msg>,
    // internal: a sync replay waited for the client to read; fetch the next page (op, sync ref,
    // conversation, cursor, the client's last_seq).
    caf::reacts_to<resume_atom, int, std::string, persistence::conversation_id, persistence::seq_t,
                   persistence::seq_t>,
    // server::stop: close the socket with 1001 "server shutting down" and stop.
    caf::reacts_to<shutdown_atom>,
    // internal: server_config::sync_hold after welcome passed without a request; write live.
    caf::reacts_to<sync_hold_atom>,
    // user actor (chatctl disconnect, user disable): close the socket with this code and stop.
    caf::reacts_to<kick_atom, std::uint16_t, std::string>,
    // admin: peer, age, queue depth, bytes/frames in and out, sync state.
    caf::replies_to<inspect_atom>::with<actor_report>>;

/// One per user with at least one connection (multi-device registry and presence).
using user_actor = caf::typed_actor<
    // connection (through the shard): take this connection; error too_many_connections.
    caf::replies_to<attach_atom, persistence::user_id, connection_actor,
                    std::string>::with<caf::ok_atom>,
    // connection (through the shard): forget this connection.
    caf::reacts_to<detach_atom, persistence::user_id, connection_actor>,
    // shard: stop if idle; error actor_errc::busy while connections are attached.
    caf::replies_to<passivate_atom>::with<caf::ok_atom>,
    // shard (admin): close every connection with this code and reason; how many there were.
    caf::replies_to<kick_atom, std::uint16_t, std::string>::with<std::int64_t>,
    // admin: its connections (actor ids).
    caf::replies_to<inspect_atom>::with<actor_report>>;

/// One per conversation in use: owner of its seqs, members and idempotency window.
using conversation_actor = caf::typed_actor<
    // shard (for a connection): a client request; the reply frame or a chat error.
    caf::replies_to<conv_cmd>::with<frame_reply>,
    // server::stop (through the shard): answer once the queue and in-flight batch are empty.
    caf::replies_to<drain_atom>::with<caf::ok_atom>,
    // shard: answer once in-flight appends and database jobs are done, then stop.
    caf::replies_to<passivate_atom>::with<caf::ok_atom>,
    // internal: activation found the database unavailable; stop after answering the queue.
    caf::reacts_to<shutdown_atom>,
    // admin: members, last seq, tail and window sizes, queued and in-flight appends.
    caf::replies_to<inspect_atom>::with<actor_report>>;

/// Maps conversation and user ids to live actors (server_config::directory_shards of them).
using directory_shard = caf::typed_actor<
    // connection: route to the conversation (spawned on demand); its reply goes straight back.
    caf::replies_to<conv_cmd>::with<frame_reply>,
    // connection: route to the user actor (spawned on demand).
    caf::replies_to<attach_atom, persistence::user_id, connection_actor,
                    std::string>::with<caf::ok_atom>,
    // connection: route to the user actor, if it is alive.
    caf::reacts_to<detach_atom, persistence::user_id, connection_actor>,
    // conversation, user: push the frame to every connection of each listed user (as its user
    // actor last listed them).
    caf::reacts_to<deliver_msg>,
    // user actor: its connections changed; these are all of them now.
    caf::reacts_to<connections_atom, persistence::user_id, std::vector<caf::strong_actor_ptr>>,
    // internal: passivation sweep.
    caf::reacts_to<tick_atom>,
    // server::stop: answer once every conversation of this shard drained.
    caf::replies_to<drain_atom>::with<caf::ok_atom>,
    // admin: the live conversation and user actors of this shard.
    caf::replies_to<list_atom>::with<std::vector<caf::strong_actor_ptr>>,
    // admin (chatctl passivate): passivate this conversation now; false when it is not live.
    caf::replies_to<passivate_atom, persistence::conversation_id>::with<bool>,
    // admin (chatctl disconnect): close the user's connections; how many (0 when not live).
    caf::replies_to<kick_atom, persistence::user_id, std::uint16_t,
                    std::string>::with<std::int64_t>,
    // admin: entry counts.
    caf::replies_to<inspect_atom>::with<actor_report>>;

/// The log writer (detached: its own thread and database connection), group commit.
using log_writer_actor = caf::typed_actor<
    // conversation: make these events durable; says how far it got and what failed.
    caf::replies_to<append_atom, append_req>::with<append_outcome>,
    // internal: commit what is pending (queues behind the appends already in the mailbox).
    caf::reacts_to<commit_atom>,
    // internal: write the activity times held back (no commit came after their interval).
    caf::reacts_to<touch_atom>,
    // server::stop: answer once nothing is pending.
    caf::replies_to<drain_atom>::with<caf::ok_atom>,
    // admin: pending batch, commit latency percentiles, failures.
    caf::replies_to<inspect_atom>::with<actor_report>>;

/// The search indexer (detached: its own thread and database connection): indexes committed
/// messages, edits and deletes after the commit, in rounds, keeping a durable watermark per
/// conversation; on start it catches up from the log.
using search_indexer_actor = caf::typed_actor<
    // log writer: these conversations are committed up to these seqs; index them soon.
    caf::reacts_to<index_note>,
    // internal: index one round (the first one also reads what the last run left unindexed).
    caf::reacts_to<index_atom>,
    // admin: backlog (conversations, events), lag, rounds.
    caf::replies_to<inspect_atom>::with<actor_report>>;

/// One per server: answers chatctl's inspection queries by asking the actors themselves (a
/// request with a timeout each, never waiting on one), and pulls the levers through the shards.
using admin_actor = caf::typed_actor<
    // server: a report from every live actor (messages/s since the previous list).
    caf::replies_to<list_atom>::with<std::vector<actor_report>>,
    // server: the live actor of a "conversation", "user" (then its connections follow) or
    // "connection" with this id; empty when not live.
    caf::replies_to<inspect_atom, std::string, std::int64_t>::with<std::vector<actor_report>>,
    // server: message and delivery rates, ack and commit latency over the last minute.
    caf::replies_to<status_atom>::with<live_status>,
    // server: passivate a live conversation; false when it was not live.
    caf::replies_to<passivate_atom, persistence::conversation_id>::with<bool>,
    // server: close a user's connections with code and reason; how many.
    caf::replies_to<kick_atom, persistence::user_id, std::uint16_t,
                    std::string>::with<std::int64_t>,
    // admin itself: its own report.
    caf::replies_to<inspect_atom>::with<actor_report>,
    // internal: sample the counters once a second.
    caf::reacts_to<tick_atom>>;

/// Pool of detached database workers: db_job -> whatever the job returns (values or a
/// caf::error). Dynamically typed on purpose: one handler runs every kind of blocking read.
using db_pool_actor = caf::actor;

/// What every actor of one server shares. Written once by server::start before any message
/// flows (the handles), read-only afterwards except for the atomics.
struct runtime {
  server_config cfg;
  log_writer_actor log_writer;
  search_indexer_actor indexer;
  /// SQLite has one writer at a time: the log writer and the indexer take turns here instead of
  /// meeting in SQLite's busy handler, which sleeps (1, 2, 5 ms...) before it retries.
  std::mutex sqlite_writer;
  /// A writer's turn before it writes through `db`: held for SQLite, empty for MariaDB (which
  /// takes concurrent writers itself).
  std::unique_lock<std::mutex> writer_turn(const persistence::database& db) {
    std::unique_lock<std::mutex> turn(sqlite_writer, std::defer_lock);
    if (db.kind() == persistence::backend::sqlite) turn.lock();
    return turn;
  }
  db_pool_actor db;
  std::vector<caf::actor> db_workers;  ///< behind `db`; stop() waits for them
  /// The workers' connections; stop() closes them once the workers are gone.
  std::shared_ptr<persistence::connection_pool> db_connections;
  std::vector<directory_shard> shards;
  std::shared_ptr<chat::metrics::registry> metrics;  ///< the process's one registry
  std::atomic<bool> stopping{false};
  /// Storage faults answered `unavailable`: counted, logged at most every 5 s per source.
  persistence::outage_log outages;
  /// `source` is also the label of chatd_unavailable_total ("log_writer", "db_worker", ...).
  void note_outage(std::string_view source, std::string_view message) {
    metrics->count_unavailable(source);
    if (auto line = outages.record(source, message)) CHAT_LOG_WARN("actors", "{}", *line);
  }
  /// Each user's database budget, shared by the user's connections (list_conversations, search).
  user_budgets db_budgets{server_config{}.db_work_burst, server_config{}.db_work_per_second};
  /// Live connection actors, so stop() can close them with 1001.
  std::mutex connections_mu;
  std::unordered_map<caf::actor_id, connection_actor> connections;

  const directory_shard& shard_of_conversation(std::int64_t id) const {
    return shards[util::shard_of(id, shards.size())];
  }
  const directory_shard& shard_of_user(std::int64_t id) const {
    return shards[util::shard_of(id, shards.size())];
  }
};

using runtime_ptr = std::shared_ptr<runtime>;

}  // namespace chat::actors
