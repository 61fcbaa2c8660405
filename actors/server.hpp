#pragma once
// The face the gateway sees of the actor system: hand it an authenticated WebSocket, feed it
// frames. Everything behind it (connection, user, conversation, directory, log writer actors) is
// private to actors/. No Beast or JSON types cross this header.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "persistence/result.hpp"
#include "persistence/types.hpp"
#include "protocol/limits.hpp"

namespace caf {
class actor_system;
}
namespace chat::metrics {
class registry;
}

namespace chat::actors {

/// What one live actor says about itself to the admin actor (chatctl actors / inspect / top;
/// docs/admin.md lists the fields of each kind).
struct actor_report {
  std::string kind;         ///< conversation, user, connection, shard, log_writer, db_worker, admin
  std::uint64_t actor = 0;  ///< CAF actor id (what `inspect connection` takes)
  std::int64_t id = 0;      ///< conversation or user id, shard index; else the actor id
  std::string name;         ///< username, conversation title
  std::int64_t mailbox = 0;  ///< messages waiting when it answered
  std::int64_t handled = 0;  ///< messages consumed since it started
  std::int64_t age_ms = 0, idle_ms = 0;
  std::int64_t memory_bytes = 0;  ///< estimate of what its state holds
  double rate = 0;                ///< messages/s since the admin's previous look
  std::vector<std::pair<std::string, std::int64_t>> numbers;  ///< kind-specific counters
  std::vector<std::pair<std::string, std::string>> texts;
  std::vector<std::pair<std::string, std::vector<std::int64_t>>> lists;  ///< members, ...
};

/// Rates and latencies over the admin actor's window (up to the last minute).
struct live_status {
  double window_s = 0;
  double messages_per_s = 0;    ///< events made durable
  double deliveries_per_s = 0;  ///< frames written to connections
  double ack_p50_us = 0, ack_p99_us = 0, commit_p50_us = 0, commit_p99_us = 0;
};

/// What a connection's socket can tell (the gateway's sink); empty by default.
struct sink_stats {
  std::string peer;                ///< remote address:port
  std::int64_t queued_frames = 0;  ///< outbound queue depth
  std::int64_t queued_bytes = 0;
};

/// Where one connection's outbound frames go; implemented by the gateway's WebSocket session.
/// Called from CAF worker threads: implementations must not block (post to their own executor).
/// The sink owns the bounded outbound queue: when the client stops reading it closes the socket
/// itself with close code 4008 "slow consumer" and then reports on_closed().
class frame_sink {
 public:
  virtual ~frame_sink() = default;
  /// Queue one serialized text frame (shared: one serialization per event, many recipients).
  virtual void send(std::shared_ptr<const std::string> frame) = 0;
  /// Send queued frames, then a close frame with this code and reason.
  virtual void close(std::uint16_t code, std::string reason) = 0;
  /// For chatctl inspect; thread-safe, never blocks.
  virtual sink_stats stats() const { return {}; }
  /// True while the client has much unread data queued: bulk senders (a sync replay) wait.
  virtual bool congested() const { return false; }
};

struct server_config {
  std::string db_url = "sqlite:chatd.db";
  std::chrono::milliseconds idle_passivation{std::chrono::minutes(5)};
  std::size_t directory_shards = 4;
  std::size_t max_batch = 512;  ///< log writer: most events per commit
  /// The search indexer waits this long after a commit before indexing it, so one round takes
  /// many commits (docs/operations.md, "Message search": how far search lags the ack).
  std::chrono::milliseconds search_index_delay{50};
  /// A conversation's activity time (the conversation list's order, one row per member) is
  /// written with a commit at most this often; a busy conversation's place in the list may lag
  /// by this much (actors/activity_writes.hpp). 0: with every commit.
  std::chrono::milliseconds activity_interval{250};
  /// Per-connection request rate limit (token bucket). Defaults are protocol::limits'; tests and
  /// benchmarks raise them to push one connection harder.
  double requests_per_second = protocol::limits::requests_per_second;
  double request_burst = protocol::limits::request_burst;
  /// After welcome, live events wait this long for the client's first request (a sync replays
  /// its gap before them; any other request releases them at once). 0: no wait.
  std::chrono::milliseconds sync_hold{1000};
  /// Per-user budget for the database work a user's connections ask for themselves, in units
  /// (list_conversations 4, search 2, search_users 1): `db_work_burst` at once, refilled per
  /// second, shared by all of the user's connections (docs/protocol.md, section 8).
  double db_work_burst = 40;
  double db_work_per_second = 10;
};

/// A snapshot of the actor metrics (monotonic unless named as a gauge).
struct metrics {
  std::int64_t connections = 0;         ///< gauge
  std::int64_t live_users = 0;          ///< gauge
  std::int64_t live_conversations = 0;  ///< gauge
  std::int64_t frames_in = 0, frames_out = 0;
  std::int64_t log_batches = 0, log_events = 0;
  std::int64_t log_commit_us_total = 0;  ///< sum of commit latencies
  std::int64_t log_commit_us_max = 0;
  std::int64_t passivations = 0;
  /// errors sent, by protocol error code name
  std::vector<std::pair<std::string, std::int64_t>> errors_by_code;
};

/// One live connection as the gateway holds it. Thread-safe; cheap to copy around inside the
/// session.
class connection {
 public:
  virtual ~connection() = default;
  /// One text frame from the client (the gateway already enforced the frame byte limit).
  virtual void on_frame(std::string text) = 0;
  /// The socket is gone (closed by either side or failed); frees the connection actor.
  virtual void on_closed() = 0;
};

class server {
 public:
  /// Opens the database (migrations must have been applied by the caller), spawns the directory
  /// and log writer. Errors: one line naming what is wrong.
  /// `registry` is the process's metrics registry (a fresh one when empty).
  static persistence::result<std::unique_ptr<server>> start(
      caf::actor_system& sys, server_config cfg,
      std::shared_ptr<chat::metrics::registry> registry = nullptr);
  virtual ~server() = default;

  /// A WebSocket whose user is authenticated. The connection expects a `hello` as its first frame.
  /// `session_expires_ms` (unix ms, 0: unknown) goes into welcome.session_expires.
  virtual std::shared_ptr<connection> connect(persistence::user_id user, std::string username,
                                              std::shared_ptr<frame_sink> sink,
                                              std::int64_t session_expires_ms = 0) = 0;
  /// Graceful stop: refuse new work, flush every pending append, close every connection with
  /// 1001 "server shutting down". Blocks until done or `deadline` passes.
  virtual void stop(std::chrono::milliseconds deadline) = 0;
  /// The counters of the registry, as plain numbers (tests, chatctl).
  virtual metrics snapshot() const = 0;
  /// The metrics registry the actors update; the gateway adds its own metrics to it.
  virtual chat::metrics::registry& registry() = 0;

  // The admin surface (chatctl; docs/admin.md). Blocking: call them from a thread that is not
  // one of CAF's. errc::unavailable when the actor system does not answer in time.
  virtual persistence::result<std::vector<actor_report>> list_actors() = 0;
  /// kind "conversation", "user" (the user's connections follow it) or "connection" (actor id).
  virtual persistence::result<std::vector<actor_report>> inspect(std::string kind,
                                                                 std::int64_t id) = 0;
  virtual persistence::result<live_status> live_status_now() = 0;
  /// False when the conversation had no live actor.
  virtual persistence::result<bool> passivate_conversation(persistence::conversation_id id) = 0;
  /// Closes every connection of the user with this code and reason; how many.
  virtual persistence::result<std::int64_t> disconnect_user(persistence::user_id user,
                                                            std::uint16_t code,
                                                            std::string reason) = 0;
};

}  // namespace chat::actors
