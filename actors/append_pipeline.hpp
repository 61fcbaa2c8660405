#pragma once
// A conversation's path to the log, apart from its actor: the queue of events waiting for a seq,
// the one batch in flight, seq assignment (last durable + 1, at hand-over), and what an append's
// outcome means for each event. No CAF, no database: `Entry` is what the actor keeps per event
// (the event in `ev`, plus whom to answer); the tests use plain structs.
//
// One batch at a time keeps seqs gap-free when a batch fails: the events after a failed one have
// not been written, so they go back to the front of the queue and are renumbered.
#include <algorithm>
#include <cstddef>
#include <deque>
#include <optional>
#include <vector>

#include "persistence/result.hpp"
#include "persistence/types.hpp"

namespace chat::actors {

template <class Entry>
class append_pipeline {
 public:
  using seq_t = persistence::seq_t;

  /// What an outcome did, for the actor to answer: in this order, `committed` are durable
  /// (ascending seq); `duplicate` was already stored under its client_msg_id (look the original
  /// up); `failed` could not be stored (with `code`). Events after a duplicate or a seq conflict
  /// went back to the queue; after a seq conflict, `reload` says the last seq must be read again
  /// (set_last_seq) before the next batch.
  struct result {
    std::vector<Entry> committed;
    std::optional<Entry> duplicate;
    std::vector<Entry> failed;
    persistence::errc code = persistence::errc::internal;
    bool reload = false;
  };

  explicit append_pipeline(seq_t last_seq = 0) : last_seq_(last_seq) {}

  seq_t last_seq() const { return last_seq_; }
  void set_last_seq(seq_t s) { last_seq_ = s; }
  bool in_flight() const { return !in_flight_.empty(); }
  bool idle() const { return in_flight_.empty() && queue_.empty(); }
  std::size_t queued_count() const { return queue_.size(); }         ///< chatctl inspect
  std::size_t in_flight_count() const { return in_flight_.size(); }  ///< chatctl inspect
  /// The newest event not yet durable (queued or in flight), if any.
  Entry* newest_pending() {
    if (!queue_.empty()) return &queue_.back();
    if (!in_flight_.empty()) return &in_flight_.back();
    return nullptr;
  }
  /// Every event not yet durable, in seq order (in flight, then queued).
  template <class F>
  void for_each_pending(F&& f) const {
    for (auto& e : in_flight_) f(e.ev);
    for (auto& e : queue_) f(e.ev);
  }

  /// Queues an event (its seq is assigned when its batch is handed over).
  void push(Entry e) { queue_.push_back(std::move(e)); }

  /// The next batch for the log, seqs assigned; nothing while one is in flight or nothing waits.
  std::optional<std::vector<persistence::event>> next_batch(std::size_t max_batch) {
    if (!in_flight_.empty() || queue_.empty()) return std::nullopt;
    std::vector<persistence::event> events;
    events.reserve(std::min(queue_.size(), max_batch));
    in_flight_.reserve(events.capacity());
    auto next = last_seq_;
    while (!queue_.empty() && in_flight_.size() < max_batch) {
      auto e = std::move(queue_.front());
      queue_.pop_front();
      e.ev.seq = ++next;
      events.push_back(e.ev);
      in_flight_.push_back(std::move(e));
    }
    return events;
  }

  /// The log's answer for the batch in flight: events with seq <= committed_upto are durable;
  /// `failure` is the error of the event after them (nothing after that one was written).
  result on_outcome(seq_t committed_upto, std::optional<persistence::errc> failure) {
    result r;
    auto batch = std::move(in_flight_);
    in_flight_.clear();
    r.committed.reserve(batch.size());
    std::size_t i = 0;
    for (; i < batch.size() && batch[i].ev.seq <= committed_upto; ++i) {
      last_seq_ = batch[i].ev.seq;
      r.committed.push_back(std::move(batch[i]));
    }
    if (i == batch.size()) return r;
    // Not written: without a reported failure (a short answer) they simply go again.
    auto code = failure.value_or(persistence::errc::seq_conflict);
    r.code = code;
    std::size_t retry_from = batch.size();
    switch (code) {
      case persistence::errc::duplicate:
        // Only this event is bad; the ones after it get new seqs and go again.
        r.duplicate = std::move(batch[i]);
        retry_from = i + 1;
        break;
      case persistence::errc::seq_conflict:
        // Someone else wrote this seq (not with one actor per conversation): read the last seq
        // again and renumber everything that is left.
        r.reload = true;
        retry_from = i;
        break;
      default:
        for (std::size_t j = i; j < batch.size(); ++j) r.failed.push_back(std::move(batch[j]));
        break;
    }
    for (std::size_t j = batch.size(); j-- > retry_from;) queue_.push_front(std::move(batch[j]));
    return r;
  }

  /// Everything queued, taken out (reading the last seq failed: none of it can be numbered).
  std::vector<Entry> take_queue() {
    std::vector<Entry> out;
    for (auto& e : queue_) out.push_back(std::move(e));
    queue_.clear();
    return out;
  }

 private:
  seq_t last_seq_;
  std::deque<Entry> queue_;
  std::vector<Entry> in_flight_;
};

}  // namespace chat::actors
