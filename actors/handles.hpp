#pragma once
// Every actor handle of chat_actors, and the shared runtime the actors are spawned with.
//
// Decision: the actors are dynamically typed (caf::actor). CAF 0.17's typed_actor needs every
// reply type spelled out in one signature list, and our conversation handles a std::variant of 14
// requests whose replies differ; the typed lists became longer than the code. Each alias below
// documents the messages its actor understands instead; tests exercise every one of them.
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "actors/server.hpp"
#include "protocol/error_code.hpp"

namespace chat::actors {

/// connection actor (one per WebSocket): (frame_atom, string), (closed_atom), push_msg,
/// (shutdown_atom). Spawned by server::connect.
using connection_actor = caf::actor;

/// user actor (one per user with connections): attach_msg -> ok_atom | error
/// too_many_connections, detach_msg, push_msg, (passivate_atom) -> ok_atom | error busy.
using user_actor = caf::actor;

/// conversation actor (one per active conversation): conv_cmd -> frame_reply | error,
/// (drain_atom) -> ok_atom, (passivate_atom) -> ok_atom (after in-flight appends finished).
using conversation_actor = caf::actor;

/// directory shard: conv_cmd (delegated to the conversation), deliver_msg (fanned out to user
/// actors), attach_msg / detach_msg (delegated to the user), (tick_atom), (drain_atom) -> ok_atom,
/// (shutdown_atom) -> ok_atom.
using directory_shard = caf::actor;

/// log writer (detached): (append_atom, append_req) -> append_outcome; (drain_atom) -> ok_atom.
using log_writer_actor = caf::actor;

/// pool of detached database workers: db_job -> whatever the job returns.
using db_pool_actor = caf::actor;

/// Live counters behind server::snapshot(); written from any actor with relaxed atomics.
struct metrics_registry {
  std::atomic<std::int64_t> connections{0}, live_users{0}, live_conversations{0};
  std::atomic<std::int64_t> frames_in{0}, frames_out{0};
  std::atomic<std::int64_t> log_batches{0}, log_events{0};
  std::atomic<std::int64_t> log_commit_us_total{0}, log_commit_us_max{0};
  std::atomic<std::int64_t> passivations{0};
  static constexpr std::size_t n_codes =
      static_cast<std::size_t>(protocol::error_code::internal) + 1;
  std::array<std::atomic<std::int64_t>, n_codes> errors{};

  void count_error(protocol::error_code c) {
    errors[static_cast<std::size_t>(c)].fetch_add(1, std::memory_order_relaxed);
  }
  void observe_commit(std::int64_t us) {
    log_commit_us_total.fetch_add(us, std::memory_order_relaxed);
    auto cur = log_commit_us_max.load(std::memory_order_relaxed);
    while (us > cur && !log_commit_us_max.compare_exchange_weak(cur, us)) {
    }
  }
};

/// What every actor of one server shares. Written once by server::start before any message
/// flows (the handles), read-only afterwards except for the atomics.
struct runtime {
  server_config cfg;
  log_writer_actor log_writer;
  db_pool_actor db;
  std::vector<caf::actor> db_workers;  ///< behind `db`; stop() waits for them
  std::vector<directory_shard> shards;
  std::shared_ptr<metrics_registry> metrics = std::make_shared<metrics_registry>();
  std::atomic<bool> stopping{false};
  /// Live connection actors, so stop() can close them with 1001.
  std::mutex connections_mu;
  std::unordered_map<caf::actor_id, connection_actor> connections;

  const directory_shard& shard_of_conversation(std::int64_t id) const {
    return shards[static_cast<std::size_t>(id) % shards.size()];
  }
  const directory_shard& shard_of_user(std::int64_t id) const {
    return shards[static_cast<std::size_t>(id) % shards.size()];
  }
};

using runtime_ptr = std::shared_ptr<runtime>;

}  // namespace chat::actors
