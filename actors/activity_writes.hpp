#pragma once
#include <chrono>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

#include "persistence/types.hpp"

namespace chat::actors {

/// When the log writer writes a conversation's activity time (memberships.last_activity, the
/// conversation list's order). That write touches one row per member, so writing it with every
/// commit makes a message to a big group cost a row per member. Instead a conversation's activity
/// is written with a commit at most once per `interval`: the first commit after a quiet interval
/// writes it at once (the list stays exact for ordinary use); a busy conversation's newer times
/// are held and written by the next commit after the interval, or by a flush when none comes.
/// No clock and no database: the log writer passes the time and reports what committed.
class activity_writes {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  /// `interval` 0: every commit writes every conversation it touches.
  explicit activity_writes(std::chrono::milliseconds interval) : interval_(interval) {}

  /// What a commit of `batch` at `now` writes: its conversations whose interval has passed (at
  /// their newest event's time in the batch), and any held time whose interval has passed.
  std::vector<persistence::activity> plan(std::span<const persistence::event> batch,
                                          time_point now) const;

  /// The commit of `batch` with `written` succeeded at `now`: the written times count from now,
  /// the batch's other conversations are held. (A failed commit reports nothing: its events were
  /// not written, so neither is their activity.)
  void committed(std::span<const persistence::event> batch,
                 std::span<const persistence::activity> written, time_point now);

  /// Held times to write on their own at `now` (all of them when `everything`: a drain).
  std::vector<persistence::activity> due(time_point now, bool everything = false) const;

  /// A flush of `written` succeeded at `now`.
  void flushed(std::span<const persistence::activity> written, time_point now);

  /// When the earliest held time becomes due; nothing held: time_point::max().
  time_point next_due() const;

  std::size_t held() const;
  std::size_t tracked() const { return convs_.size(); }

 private:
  struct conv {
    time_point last_write{};
    std::int64_t held_ms = 0;  ///< 0: nothing held
  };

  bool open(const conv& c, time_point now) const { return now - c.last_write >= interval_; }
  void wrote(persistence::conversation_id id, time_point now);
  void forget_quiet(time_point now);

  std::chrono::milliseconds interval_;
  std::unordered_map<persistence::conversation_id, conv> convs_;
};

}  // namespace chat::actors
