#include "actors/search_indexer.hpp"

#include <chrono>
#include <mutex>
#include <optional>
#include <vector>

#include "actors/index_backlog.hpp"
#include "actors/index_feed.hpp"
#include "actors/messages.hpp"
#include "actors/observed_actor.hpp"
#include "logging/logger.hpp"
#include "persistence/message_search.hpp"

namespace chat::actors {

namespace {

using clock_type = std::chrono::steady_clock;

/// Most seqs and conversations per round: a round is one transaction, and on SQLite the log
/// writer waits for it (one writer at a time), so it stays at a few milliseconds.
constexpr std::size_t round_events = 1000;
constexpr std::size_t round_conversations = 64;
/// Committed events held in memory for the next rounds at most (a few seconds of full load;
/// beyond it rounds read the log).
constexpr std::size_t feed_events = 50'000;
/// After a failed round (the database is gone), the next try.
constexpr std::chrono::milliseconds retry_after{500};

struct search_indexer_state {
  std::shared_ptr<persistence::database> db;
  runtime_ptr rt;
  index_backlog backlog;
  index_feed feed{feed_events};  ///< the committed events the log writer handed over
  bool started = false;          ///< the previous run's backlog has been read from the log
  bool round_scheduled = false;
  std::int64_t rounds = 0, indexed = 0, failures = 0;
  std::int64_t read_back = 0;  ///< ranges a round read from the log (not handed over)
  static inline const char* name = "search_indexer";
};

using self_ptr = observed_pointer<search_indexer_actor, search_indexer_state>;

void publish_lag(search_indexer_state& st) {
  auto& m = *st.rt->metrics;
  m.search_lag_events.Set(static_cast<double>(st.backlog.lag_events()));
  m.search_lag_seconds.Set(
      std::chrono::duration<double>(st.backlog.lag(clock_type::now())).count());
}

void schedule(self_ptr self, std::chrono::milliseconds delay) {
  auto& st = self->state;
  if (st.round_scheduled) return;
  st.round_scheduled = true;
  if (delay.count() > 0)
    self->delayed_send(self, delay, index_atom_v);
  else
    self->send(self, index_atom_v);
}

/// The database work of one round; false when it failed (logged, retried later).
bool run_round(search_indexer_state& st) {
  if (!st.db) {
    auto opened = persistence::database::open(st.rt->cfg.db_url);
    if (!opened) {
      st.rt->note_outage("search_indexer", opened.err().message);
      return false;
    }
    st.db = std::shared_ptr<persistence::database>(std::move(*opened));
    CHAT_LOG_INFO("actors", "search indexer: reconnected to the database");
  }
  persistence::message_search index(*st.db);
  auto fail = [&](const persistence::error& e) {
    ++st.failures;
    st.rt->note_outage("search_indexer", e.message);
    if (e.code == persistence::errc::unavailable) st.db.reset();
    return false;
  };
  if (!st.started) {
    // What the previous run committed but did not index (a crash, SIGKILL): catch up first.
    auto left = index.unindexed();
    if (!left) return fail(left.err());
    const auto now = clock_type::now();
    for (const auto& r : *left) {
      st.backlog.committed(r.conversation, r.upto, now);
      st.backlog.indexed(r.conversation, r.after);
    }
    if (!left->empty())
      CHAT_LOG_INFO("actors", "search indexer: catching up {} conversations from the log",
                    left->size());
    st.started = true;
  }
  if (auto unknown = st.backlog.unknown_watermarks(); !unknown.empty()) {
    auto marks = index.watermarks(unknown);
    if (!marks) return fail(marks.err());
    for (std::size_t i = 0; i < unknown.size(); ++i) st.backlog.indexed(unknown[i], (*marks)[i]);
  }
  auto round = st.backlog.plan(round_events, round_conversations);
  if (round.empty()) return true;
  // The events the log writer handed over serve their ranges; the rest is read back.
  std::vector<persistence::event> known;
  std::vector<index_range> to_read;
  for (const auto& r : round)
    if (!st.feed.take(r, known)) to_read.push_back(r);
  persistence::result<std::size_t> done = std::size_t{0};
  {
    auto turn = st.rt->writer_turn(*st.db);
    done = index.index_ranges(round, known, to_read);
  }
  if (!done) return fail(done.err());
  st.backlog.done(round);
  st.read_back += static_cast<std::int64_t>(to_read.size());
  ++st.rounds;
  st.indexed += static_cast<std::int64_t>(*done);
  st.rt->metrics->search_indexed.Increment(static_cast<double>(*done));
  return true;
}

actor_report report_of(self_ptr self) {
  auto& st = self->state;
  auto r = make_report(self, "search_indexer", 0);
  r.numbers = {{"lag_events", st.backlog.lag_events()},
               {"lag_ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                              st.backlog.lag(clock_type::now()))
                              .count()},
               {"rounds", st.rounds},
               {"indexed_events", st.indexed},
               {"read_back_ranges", st.read_back},
               {"held_events", static_cast<std::int64_t>(st.feed.size())},
               {"failed_rounds", st.failures}};
  return r;
}

search_indexer_actor::behavior_type search_indexer(self_ptr self,
                                                   std::shared_ptr<persistence::database> db,
                                                   runtime_ptr rt) {
  self->state.db = std::move(db);
  self->state.rt = std::move(rt);
  schedule(self, std::chrono::milliseconds(0));  // catch up on what the last run left
  return {
      [=](index_note& n) {
        auto& st = self->state;
        const auto now = clock_type::now();
        for (auto& p : n.committed) {
          st.backlog.committed(p.conversation, p.upto, now);
          st.feed.committed(p.conversation, p.after, p.upto, std::move(p.events));
        }
        publish_lag(st);
        schedule(self, st.rt->cfg.search_index_delay);
      },
      [=](index_atom) {
        auto& st = self->state;
        st.round_scheduled = false;
        const auto before = st.rounds;
        const bool ok = run_round(st);
        publish_lag(st);
        // More waiting: the next round queues behind the notes already in the mailbox.
        if (!ok)
          schedule(self, retry_after);
        else if (!st.backlog.empty() && st.rounds != before)
          schedule(self, std::chrono::milliseconds(0));
      },
      [=](inspect_atom) { return report_of(self); },
  };
}

}  // namespace

search_indexer_actor spawn_search_indexer(caf::actor_system& sys,
                                          std::shared_ptr<persistence::database> db,
                                          runtime_ptr rt) {
  return sys.spawn<caf::detached>(search_indexer, std::move(db), std::move(rt));
}

}  // namespace chat::actors
