#pragma once
// What the search indexer still has to index (pure logic: no CAF, no database). The log writer
// says "conversation c is committed up to seq s"; the index's durable watermark says "c is
// indexed up to w". A round takes ranges (w, min(s, w + budget)] from the conversations waiting
// longest, bounded in events and conversations, and advances the watermarks once it committed.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <unordered_map>
#include <vector>

#include "persistence/types.hpp"

namespace chat::actors {

using index_range = persistence::seq_range;

class index_backlog {
 public:
  using clock = std::chrono::steady_clock;

  /// The log committed conversation `c` up to `upto` at `now`.
  void committed(persistence::conversation_id c, persistence::seq_t upto, clock::time_point now);
  /// The durable watermark of `c` (read from the database for a conversation not known yet).
  void indexed(persistence::conversation_id c, persistence::seq_t watermark);

  /// Conversations waiting whose watermark is not known yet (ask the database, then indexed()).
  std::vector<persistence::conversation_id> unknown_watermarks() const;

  /// The next round: at most `max_events` seqs in all (a conversation's range may be cut) from
  /// at most `max_conversations` conversations, oldest waiting first. Conversations whose
  /// watermark is unknown are left out. Empty when nothing is due.
  std::vector<index_range> plan(std::size_t max_events, std::size_t max_conversations) const;
  /// The round's ranges are indexed and their watermarks durable.
  void done(const std::vector<index_range>& round);

  /// Seqs committed but not indexed (an upper bound on events: membership events count too).
  std::int64_t lag_events() const;
  /// How long the oldest waiting conversation has waited; zero when nothing waits.
  clock::duration lag(clock::time_point now) const;
  bool empty() const { return waiting_.empty(); }

  /// Watermarks of caught-up conversations kept in memory at most (the rest are read again).
  static constexpr std::size_t max_known = 100'000;

 private:
  struct entry {
    persistence::seq_t upto = 0;
    std::optional<persistence::seq_t> watermark;
    clock::time_point since{};  ///< when it started to wait (committed beyond its watermark)
  };
  std::unordered_map<persistence::conversation_id, entry> entries_;
  std::deque<persistence::conversation_id> waiting_;  ///< oldest first, each once
};

}  // namespace chat::actors
