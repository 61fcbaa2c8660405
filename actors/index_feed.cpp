#include "actors/index_feed.hpp"

#include <iterator>

namespace chat::actors {

void index_feed::drop(std::unordered_map<persistence::conversation_id, held>::iterator it) {
  held_events_ -= it->second.events.size() - it->second.first;
  held_.erase(it);
}

void index_feed::committed(persistence::conversation_id c, persistence::seq_t after,
                           persistence::seq_t upto, std::vector<event> events) {
  auto it = held_.find(c);
  const bool extends = it != held_.end() && it->second.upto == after;
  if (it != held_.end() && !extends) drop(it);  // a gap: start again from this commit
  if (held_events_ + events.size() > max_events_) {
    if (extends) drop(held_.find(c));  // no longer contiguous: the next rounds read the log
    return;
  }
  auto& h = held_[c];
  if (!extends) h.from = after;
  h.upto = upto;
  held_events_ += events.size();
  if (h.events.empty()) {
    h.events = std::move(events);
    h.first = 0;
  } else {
    h.events.insert(h.events.end(), std::make_move_iterator(events.begin()),
                    std::make_move_iterator(events.end()));
  }
}

bool index_feed::take(const persistence::seq_range& r, std::vector<event>& out) {
  auto it = held_.find(r.conversation);
  if (it == held_.end()) return false;
  auto& h = it->second;
  const bool covered = h.from <= r.after && r.upto <= h.upto;
  // Everything at or below r.upto leaves: moved to `out` when covered, dropped otherwise.
  std::size_t i = h.first;
  for (; i < h.events.size() && h.events[i].seq <= r.upto; ++i)
    if (covered && h.events[i].seq > r.after) out.push_back(std::move(h.events[i]));
  held_events_ -= i - h.first;
  h.first = i;
  if (r.upto >= h.upto) {
    drop(it);
  } else {
    if (r.upto > h.from) h.from = r.upto;
    if (2 * h.first >= h.events.size()) {  // keep the vector from only growing
      h.events.erase(h.events.begin(), h.events.begin() + static_cast<std::ptrdiff_t>(h.first));
      h.first = 0;
    }
  }
  return covered;
}

}  // namespace chat::actors
