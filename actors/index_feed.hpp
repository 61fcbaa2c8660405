#pragma once
// The committed events the log writer hands the search indexer (pure logic: no CAF, no database),
// so an index round takes them from memory instead of reading them back from the log. Per
// conversation it holds the message, edit and delete events of a contiguous seq range
// (from, upto]; a range a round asks for is served only when every seq of it lies inside, else
// the round reads the log as before. Bounded: past `max_events` a conversation's new events are
// not held (its next rounds read the log until it is contiguous again).
#include <cstddef>
#include <unordered_map>
#include <vector>

#include "persistence/event_store.hpp"
#include "persistence/types.hpp"

namespace chat::actors {

class index_feed {
 public:
  using event = persistence::event;

  explicit index_feed(std::size_t max_events) : max_events_(max_events) {}

  /// The log committed conversation `c`'s seqs (after, upto]; `events` are the message, edit and
  /// delete events among them, in seq order.
  void committed(persistence::conversation_id c, persistence::seq_t after, persistence::seq_t upto,
                 std::vector<event> events);

  /// Moves the events of range `r` to the end of `out` when all of them are held (true), and
  /// forgets what is held at or below `r.upto` either way: the round indexes that much, and a
  /// failed round reads the log again next time.
  bool take(const persistence::seq_range& r, std::vector<event>& out);

  std::size_t size() const { return held_events_; }  ///< events held in all
  bool holds(persistence::conversation_id c) const { return held_.count(c) > 0; }

 private:
  struct held {
    persistence::seq_t from = 0;  ///< every indexable event in (from, upto] is in `events`
    persistence::seq_t upto = 0;
    std::vector<event> events;
    std::size_t first = 0;  ///< events before this one are taken
  };
  void drop(std::unordered_map<persistence::conversation_id, held>::iterator it);

  std::size_t max_events_;
  std::size_t held_events_ = 0;
  std::unordered_map<persistence::conversation_id, held> held_;
};

}  // namespace chat::actors
