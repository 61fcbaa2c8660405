#include "actors/db_worker.hpp"

#include <memory>

#include "actors/messages.hpp"
#include "actors/observed_actor.hpp"
#include "logging/logger.hpp"
#include "persistence/connection_pool.hpp"

namespace chat::actors {

namespace {

struct db_worker_state {
  std::int64_t jobs = 0;
  static inline const char* name = "db_worker";
};

bool is_unavailable(const caf::message& m) {
  if (!m.match_elements<caf::error>()) return false;
  auto v = view_error(m.get_as<caf::error>(0));
  return v.code == protocol::error_code::unavailable;
}

caf::behavior db_worker(
    caf::stateful_actor<db_worker_state, observed<caf::event_based_actor>>* self,
    std::shared_ptr<persistence::connection_pool> pool, std::weak_ptr<runtime> weak_rt) {
  auto note = [weak_rt](std::string_view what) {
    if (auto rt = weak_rt.lock()) rt->note_outage("db_worker", what);
  };
  return {
      [=](inspect_atom) {
        auto r = make_report(self, "db_worker", static_cast<std::int64_t>(self->id()));
        r.memory_bytes = sizeof(db_worker_state);
        r.numbers = {{"jobs", self->state.jobs}, {"pool_connections", pool->open_connections()}};
        return r;
      },
      [=](db_job& job) -> caf::message {
        ++self->state.jobs;
        // The pool drops a connection whose job came back unavailable; the next job reconnects.
        return pool->run(
            [&](persistence::database& db) {
              // Jobs never throw (persistence turns SOCI exceptions into values); guard anyway,
              // since an escaping exception would kill this worker and the pool would shrink.
              try {
                return job.run(db);
              } catch (const std::exception& e) {
                return caf::make_message(make_chat_error(protocol::error_code::internal, e.what()));
              }
            },
            [&](const persistence::error& e) {
              if (e.code == persistence::errc::unavailable) note(e.message);
              return error_message(e);
            },
            [&](const caf::message& reply) {
              if (!is_unavailable(reply)) return false;
              note("a job failed: connection lost or timed out");
              return true;
            });
      },
  };
}

/// What the pool tells of its connections, as log lines of component actors.
void log_pool_event(persistence::connection_pool::event e, std::string_view detail) {
  using event = persistence::connection_pool::event;
  switch (e) {
    case event::lost:
      CHAT_LOG_WARN("actors",
                    "database workers: connection lost ({}), reconnecting at the next job", detail);
      break;
    case event::reconnect_failed:
      CHAT_LOG_WARN("actors", "database workers: reconnect failed: {}", detail);
      break;
    case event::reconnected:
      CHAT_LOG_INFO("actors", "database workers: reconnected to the database");
      break;
  }
}

}  // namespace

caf::error to_caf_error(const persistence::error& e) {
  switch (e.code) {
    case persistence::errc::unavailable:
      return make_chat_error(protocol::error_code::unavailable, "storage unavailable, retry later");
    case persistence::errc::not_found:
      return make_chat_error(protocol::error_code::not_found, e.message);
    default:
      return make_chat_error(protocol::error_code::internal, "storage error");
  }
}

db_pool_actor spawn_db_pool(caf::actor_system& sys, persistence::db_config db, std::size_t n,
                            const runtime_ptr& rt) {
  // One connection per worker: a job never waits for another worker's connection.
  auto pool = std::make_shared<persistence::connection_pool>(
      std::move(db), static_cast<int>(n), std::chrono::seconds(5), log_pool_event);
  rt->db_connections = pool;
  auto& workers = rt->db_workers;
  std::weak_ptr<runtime> weak = rt;  // the workers must not keep the runtime alive
  auto factory = [&sys, &workers, pool, weak] {
    auto w = sys.spawn<caf::detached>(db_worker, pool, weak);
    workers.push_back(w);
    return w;
  };
  return caf::actor_pool::make(sys.dummy_execution_unit(), n, factory,
                               caf::actor_pool::round_robin());
}

}  // namespace chat::actors
