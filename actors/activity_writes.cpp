#include "actors/activity_writes.hpp"

#include <algorithm>

#include "persistence/event_store.hpp"

namespace chat::actors {

std::vector<persistence::activity> activity_writes::plan(std::span<const persistence::event> batch,
                                                         time_point now) const {
  auto out = persistence::newest_activity(batch);
  std::erase_if(out, [&](persistence::activity& a) {
    auto i = convs_.find(a.conversation);
    if (i == convs_.end()) return false;
    a.at_ms = std::max(a.at_ms, i->second.held_ms);
    return !open(i->second, now);
  });
  // Held times of conversations this batch does not touch ride along once due.
  for (const auto& [id, c] : convs_) {
    if (c.held_ms == 0 || !open(c, now)) continue;
    auto in_batch = std::any_of(batch.begin(), batch.end(),
                                [id = id](const auto& e) { return e.conversation == id; });
    if (!in_batch) out.push_back({id, c.held_ms});
  }
  return out;
}

void activity_writes::committed(std::span<const persistence::event> batch,
                                std::span<const persistence::activity> written, time_point now) {
  for (const auto& w : written) wrote(w.conversation, now);
  for (const auto& a : persistence::newest_activity(batch)) {
    auto was_written = std::any_of(written.begin(), written.end(),
                                   [&](const auto& w) { return w.conversation == a.conversation; });
    if (was_written) continue;
    auto& c = convs_[a.conversation];
    c.held_ms = std::max(c.held_ms, a.at_ms);
  }
  forget_quiet(now);
}

std::vector<persistence::activity> activity_writes::due(time_point now, bool everything) const {
  std::vector<persistence::activity> out;
  for (const auto& [id, c] : convs_)
    if (c.held_ms != 0 && (everything || open(c, now))) out.push_back({id, c.held_ms});
  return out;
}

void activity_writes::flushed(std::span<const persistence::activity> written, time_point now) {
  for (const auto& w : written) wrote(w.conversation, now);
  forget_quiet(now);
}

activity_writes::time_point activity_writes::next_due() const {
  auto out = time_point::max();
  for (const auto& [id, c] : convs_)
    if (c.held_ms != 0) out = std::min(out, c.last_write + interval_);
  return out;
}

std::size_t activity_writes::held() const {
  return static_cast<std::size_t>(
      std::count_if(convs_.begin(), convs_.end(), [](const auto& p) { return p.second.held_ms; }));
}

void activity_writes::wrote(persistence::conversation_id id, time_point now) {
  auto& c = convs_[id];
  c.last_write = now;
  c.held_ms = 0;
}

// A conversation with nothing held whose interval has passed behaves as one never seen.
void activity_writes::forget_quiet(time_point now) {
  std::erase_if(convs_,
                [&](const auto& p) { return p.second.held_ms == 0 && open(p.second, now); });
}

}  // namespace chat::actors
