#include "actors/db_worker.hpp"

#include <memory>

#include "actors/messages.hpp"
#include "actors/observed_actor.hpp"

namespace chat::actors {

namespace {

struct db_worker_state {
  std::unique_ptr<persistence::database> db;
  std::int64_t jobs = 0;
  static inline const char* name = "db_worker";
};

bool is_unavailable(const caf::message& m) {
  if (!m.match_elements<caf::error>()) return false;
  auto v = view_error(m.get_as<caf::error>(0));
  return v.code == protocol::error_code::unavailable;
}

caf::behavior db_worker(
    caf::stateful_actor<db_worker_state, observed<caf::event_based_actor>>* self, std::string url,
    std::weak_ptr<runtime> weak_rt) {
  auto note = [weak_rt](std::string_view what) {
    if (auto rt = weak_rt.lock()) rt->note_outage("db_worker", what);
  };
  return {
      [=](inspect_atom) {
        auto r = make_report(self, "db_worker", static_cast<std::int64_t>(self->id()));
        r.memory_bytes = sizeof(db_worker_state);
        r.numbers = {{"jobs", self->state.jobs}, {"connected", self->state.db ? 1 : 0}};
        return r;
      },
      [=](db_job& job) -> caf::message {
        auto& st = self->state;
        ++st.jobs;
        if (!st.db) {
          auto opened = persistence::database::open(url);
          if (!opened) {
            if (opened.err().code == persistence::errc::unavailable) note(opened.err().message);
            return error_message(opened.err());
          }
          st.db = std::move(*opened);
        }
        // Jobs never throw (persistence turns SOCI exceptions into values); guard anyway, since
        // an escaping exception would kill this worker and the pool would shrink.
        caf::message reply;
        try {
          reply = job.run(*st.db);
        } catch (const std::exception& e) {
          reply = caf::make_message(make_chat_error(protocol::error_code::internal, e.what()));
        }
        // A lost connection is not coming back by itself: reopen it for the next job.
        if (is_unavailable(reply)) {
          note("a job failed: connection lost or timed out");
          st.db.reset();
        }
        return reply;
      },
  };
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

db_pool_actor spawn_db_pool(caf::actor_system& sys, std::string db_url, std::size_t n,
                            std::vector<caf::actor>& workers, std::weak_ptr<runtime> rt) {
  auto factory = [&sys, &workers, db_url, rt] {
    auto w = sys.spawn<caf::detached>(db_worker, db_url, rt);
    workers.push_back(w);
    return w;
  };
  return caf::actor_pool::make(sys.dummy_execution_unit(), n, factory,
                               caf::actor_pool::round_robin());
}

}  // namespace chat::actors
