#include "actors/log_writer.hpp"

#include <chrono>
#include <iterator>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "actors/activity_writes.hpp"
#include "actors/messages.hpp"
#include "actors/observed_actor.hpp"
#include "logging/logger.hpp"
#include "persistence/event_store.hpp"
#include "persistence/kinds.hpp"

namespace chat::actors {

namespace {

using persistence::errc;
using persistence::event;

struct pending_append {
  append_req req;
  caf::typed_response_promise<append_outcome> rp;
};

struct log_writer_state {
  std::shared_ptr<persistence::database> db;
  runtime_ptr rt;
  std::vector<pending_append> pending;
  bool commit_scheduled = false;
  activity_writes activity{std::chrono::milliseconds(0)};
  bool touch_scheduled = false;
  std::vector<caf::typed_response_promise<caf::ok_atom>> drain_waiters;
  std::int64_t failed_appends = 0;  ///< appends answered with a failure (chatctl inspect)
  std::size_t last_batch_events = 0;
  static inline const char* name = "log_writer";
};

/// Answers one append, counting failures for the admin surface.
void answer(log_writer_state& st, pending_append& p, append_outcome o) {
  if (o.failed) {
    ++st.failed_appends;
    st.rt->metrics->log_failures.Increment();
  }
  p.rp.deliver(std::move(o));
}

using clock_type = std::chrono::steady_clock;

/// One transaction; on errc::unavailable reconnects and retries with backoff (the thread is ours
/// to block), but only while the failures are quick (a dropped connection): once `retry_budget`
/// has gone by (a frozen server costs a whole read or connect timeout per attempt) the senders
/// hear `unavailable` instead of waiting for more attempts. Returns the last status.
persistence::status append_with_retry(log_writer_state& st, std::span<const event> events) {
  static constexpr std::chrono::milliseconds backoff[] = {std::chrono::milliseconds(50),
                                                          std::chrono::milliseconds(200),
                                                          std::chrono::milliseconds(800)};
  static constexpr std::chrono::milliseconds retry_budget{1500};
  const auto first_try = clock_type::now();
  persistence::status s = persistence::error{errc::unavailable, "not connected"};
  const auto touched = st.activity.plan(events, first_try);
  for (std::size_t attempt = 0;; ++attempt) {
    if (!st.db) {
      auto opened = persistence::database::open(st.rt->cfg.db_url);
      if (opened) {
        st.db = std::shared_ptr<persistence::database>(std::move(*opened));
        CHAT_LOG_INFO("actors", "log writer: reconnected to the database");
      } else {
        CHAT_LOG_WARN("actors", "log writer: reconnect failed: {}", opened.err().message);
      }
    }
    if (st.db) {
      auto started = clock_type::now();
      {
        auto turn = st.rt->writer_turn(*st.db);
        s = persistence::event_store{*st.db}.append(events, touched);
      }
      if (s) {
        st.activity.committed(events, touched, first_try);
        st.rt->metrics->observe_commit(
            events.size(),
            std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - started));
        return s;
      }
      if (s.err().code != errc::unavailable) return s;
      st.db.reset();  // the connection is gone: reopen on the next attempt
    }
    if (attempt >= std::size(backoff) || clock_type::now() - first_try > retry_budget) return s;
    CHAT_LOG_WARN("actors", "log writer: database unavailable ({}), retrying {} events in {} ms",
                  s.err().message, events.size(), backoff[attempt].count());
    std::this_thread::sleep_for(backoff[attempt]);
  }
}

append_outcome all_committed(const append_req& r) {
  append_outcome o;
  o.committed_upto = r.events.empty() ? 0 : r.events.back().seq;
  return o;
}

append_outcome failed_at(const append_req& r, std::size_t index, const persistence::error& e) {
  append_outcome o;
  o.committed_upto = index == 0 ? r.events.front().seq - 1 : r.events[index - 1].seq;
  o.failed = true;
  o.failed_seq = r.events[index].seq;
  o.code = e.code;
  o.message = e.message;
  return o;
}

/// Fallback for one conversation's append after the group commit failed: its own transaction,
/// then event by event, so one bad event fails only itself and what follows it in that
/// conversation (later seqs must not be written after a hole). `events` are `r`'s (moved out of
/// it into the batch; `r` keeps their seqs).
append_outcome commit_alone(log_writer_state& st, const append_req& r,
                            std::span<const event> events) {
  auto s = append_with_retry(st, events);
  if (s) return all_committed(r);
  if (s.err().code == errc::unavailable || events.size() == 1) return failed_at(r, 0, s.err());
  for (std::size_t i = 0; i < events.size(); ++i) {
    auto one = append_with_retry(st, events.subspan(i, 1));
    if (!one) return failed_at(r, i, one.err());
  }
  return all_committed(r);
}

/// Tells the search indexer how far a conversation's messages, edits and deletes are
/// committed, handing it those events (an append of none of those, e.g. a reaction, needs no
/// indexing). `events` were committed and are not needed here any more: they are moved.
void note_committed(index_note& note, std::span<event> events, persistence::seq_t upto) {
  if (events.empty() || upto < events.front().seq) return;
  index_note::part part{events.front().conversation, events.front().seq - 1, upto, {}};
  for (auto& e : events) {
    if (e.seq > upto) break;
    if (e.type == persistence::kind::message || e.type == persistence::kind::message_edited ||
        e.type == persistence::kind::message_deleted)
      part.events.push_back(std::move(e));
  }
  if (!part.events.empty()) note.committed.push_back(std::move(part));
}

void commit_batch(log_writer_state& st, std::vector<pending_append>& batch) {
  // One vector for the transaction, the events moved in (each append's part stays addressable
  // for the fallback; the reqs keep their seqs, which is all the answers need).
  std::size_t n = 0;
  for (auto& p : batch) n += p.req.events.size();
  std::vector<event> all;
  all.reserve(n);
  std::vector<std::span<event>> parts;
  parts.reserve(batch.size());
  for (auto& p : batch) {
    const auto begin = all.size();
    all.insert(all.end(), std::make_move_iterator(p.req.events.begin()),
               std::make_move_iterator(p.req.events.end()));
    parts.emplace_back(all.data() + begin, p.req.events.size());
  }
  auto s = append_with_retry(st, all);
  index_note note;
  if (s) {
    for (std::size_t i = 0; i < batch.size(); ++i) {
      auto o = all_committed(batch[i].req);
      note_committed(note, parts[i], o.committed_upto);
      batch[i].rp.deliver(std::move(o));
    }
    if (!note.committed.empty() && st.rt->indexer) caf::anon_send(st.rt->indexer, std::move(note));
    return;
  }
  CHAT_LOG_WARN("actors", "log writer: commit of {} events from {} conversations failed ({}: {}){}",
                all.size(), batch.size(), persistence::to_string(s.err().code), s.err().message,
                s.err().code == errc::unavailable ? ", answering unavailable"
                                                  : ", retrying each conversation alone");
  if (s.err().code == errc::unavailable) {
    // Still unavailable after the retries: every sender hears `unavailable`, nothing is dropped.
    st.rt->note_outage("log_writer", s.err().message);
    for (auto& p : batch) answer(st, p, failed_at(p.req, 0, s.err()));
    return;
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    auto o = commit_alone(st, batch[i].req, parts[i]);
    note_committed(note, parts[i], o.committed_upto);
    answer(st, batch[i], std::move(o));
  }
  if (!note.committed.empty() && st.rt->indexer) caf::anon_send(st.rt->indexer, std::move(note));
}

using self_ptr = observed_pointer<log_writer_actor, log_writer_state>;

/// Writes the held activity times that are due (all of them for a drain) in their own
/// transaction. Best effort: on failure they stay held for the next commit or attempt (the list's
/// order lags a little longer; no event depends on it).
bool write_held(log_writer_state& st, bool everything) {
  auto now = clock_type::now();
  auto due = st.activity.due(now, everything);
  if (due.empty()) return true;
  if (!st.db) return false;  // the next commit reconnects
  persistence::status s = persistence::success();
  {
    auto turn = st.rt->writer_turn(*st.db);
    s = persistence::event_store{*st.db}.touch(due);
  }
  if (s) {
    st.activity.flushed(due, now);
    return true;
  }
  CHAT_LOG_WARN("actors", "log writer: writing {} activity times failed ({}), kept for later",
                due.size(), s.err().message);
  if (s.err().code == errc::unavailable) st.db.reset();  // reopened by the next commit
  return false;
}

/// Held activity times get a write of their own when no commit takes them first (not sooner
/// than `at_least`: a failed write waits before the next try).
void schedule_touch(self_ptr self,
                    std::chrono::milliseconds at_least = std::chrono::milliseconds(1)) {
  auto& st = self->state;
  if (st.touch_scheduled || st.activity.held() == 0) return;
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(st.activity.next_due() -
                                                                    clock_type::now());
  st.touch_scheduled = true;
  self->delayed_send(self, std::max(wait, at_least), touch_atom_v);
}

/// What chatctl inspect shows of the log writer (latency quantiles since start).
actor_report report_of(self_ptr self) {
  auto& st = self->state;
  auto r = make_report(self, "log_writer", 0);
  std::int64_t pending_events = 0, bytes = sizeof(log_writer_state);
  for (auto& p : st.pending)
    for (auto& e : p.req.events) {
      ++pending_events;
      bytes += static_cast<std::int64_t>(sizeof(event) + e.payload.size() + e.client_msg_id.size());
    }
  r.memory_bytes = bytes;
  auto& m = *st.rt->metrics;
  using reg = chat::metrics::registry;
  const auto commits = reg::bucket_counts(m.commit_seconds);
  auto commit_us = [&](double q) {
    return static_cast<std::int64_t>(reg::quantile(m.commit_seconds, {}, commits, q) * 1e6);
  };
  auto [events, batches] = reg::sum_count(m.log_batch_size);
  r.numbers = {{"pending_appends", static_cast<std::int64_t>(st.pending.size())},
               {"pending_events", pending_events},
               {"last_batch_events", static_cast<std::int64_t>(st.last_batch_events)},
               {"batches", static_cast<std::int64_t>(batches)},
               {"events", static_cast<std::int64_t>(events)},
               {"failed_appends", st.failed_appends},
               {"commit_p50_us", commit_us(0.5)},
               {"commit_p90_us", commit_us(0.9)},
               {"commit_p99_us", commit_us(0.99)},
               {"commit_max_us", static_cast<std::int64_t>(m.commit_seconds_max.Value() * 1e6)}};
  return r;
}

log_writer_actor::behavior_type log_writer(self_ptr self, std::shared_ptr<persistence::database> db,
                                           runtime_ptr rt) {
  self->state.db = std::move(db);
  self->state.rt = std::move(rt);
  self->state.activity = activity_writes{self->state.rt->cfg.activity_interval};
  return {
      [=](append_atom, append_req& r) -> caf::result<append_outcome> {
        auto& st = self->state;
        if (r.events.empty()) return append_outcome{};  // nothing to write
        auto rp = self->make_response_promise<append_outcome>();
        st.pending.push_back({std::move(r), rp});
        // The commit message queues behind every append already in the mailbox: they all join
        // this batch. Appends arriving while we commit form the next batch.
        if (!st.commit_scheduled) {
          st.commit_scheduled = true;
          self->send(self, commit_atom_v);
        }
        return rp;
      },
      [=](commit_atom) {
        auto& st = self->state;
        st.commit_scheduled = false;
        std::vector<pending_append> batch;
        std::size_t n_events = 0, taken = 0;
        while (taken < st.pending.size() && (taken == 0 || n_events < st.rt->cfg.max_batch)) {
          n_events += st.pending[taken].req.events.size();
          ++taken;
        }
        batch.reserve(taken);
        for (std::size_t i = 0; i < taken; ++i) batch.push_back(std::move(st.pending[i]));
        st.pending.erase(st.pending.begin(),
                         st.pending.begin() + static_cast<std::ptrdiff_t>(taken));
        st.last_batch_events = n_events;
        if (!batch.empty()) commit_batch(st, batch);
        if (!st.pending.empty()) {
          st.commit_scheduled = true;
          self->send(self, commit_atom_v);
        } else if (!st.drain_waiters.empty()) {
          write_held(st, true);
          for (auto& w : st.drain_waiters) w.deliver(caf::ok_atom_v);
          st.drain_waiters.clear();
        }
        schedule_touch(self);
      },
      [=](touch_atom) {
        auto& st = self->state;
        st.touch_scheduled = false;
        bool ok = write_held(st, false);
        schedule_touch(self, ok ? std::chrono::milliseconds(1) : std::chrono::milliseconds(500));
      },
      [=](drain_atom) -> caf::result<caf::ok_atom> {
        auto& st = self->state;
        if (st.pending.empty() && !st.commit_scheduled) {
          write_held(st, true);
          return caf::ok_atom_v;
        }
        auto rp = self->make_response_promise<caf::ok_atom>();
        st.drain_waiters.push_back(rp);
        return rp;
      },
      [=](inspect_atom) { return report_of(self); },
  };
}

}  // namespace

log_writer_actor spawn_log_writer(caf::actor_system& sys, std::shared_ptr<persistence::database> db,
                                  runtime_ptr rt) {
  return sys.spawn<caf::detached>(log_writer, std::move(db), std::move(rt));
}

}  // namespace chat::actors
