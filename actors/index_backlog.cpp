#include "actors/index_backlog.hpp"

#include <algorithm>

namespace chat::actors {

namespace {

bool behind(persistence::seq_t upto, const std::optional<persistence::seq_t>& watermark) {
  return !watermark || *watermark < upto;
}

}  // namespace

void index_backlog::committed(persistence::conversation_id c, persistence::seq_t upto,
                              clock::time_point now) {
  auto [it, fresh] = entries_.try_emplace(c);
  auto& e = it->second;
  const bool was_waiting = !fresh && behind(e.upto, e.watermark);
  e.upto = std::max(e.upto, upto);
  if (!was_waiting && behind(e.upto, e.watermark)) {
    e.since = now;
    waiting_.push_back(c);
  }
}

void index_backlog::indexed(persistence::conversation_id c, persistence::seq_t watermark) {
  auto it = entries_.find(c);
  if (it == entries_.end()) return;
  auto& e = it->second;
  const bool was_waiting = behind(e.upto, e.watermark);
  e.watermark = std::max(e.watermark.value_or(0), watermark);
  if (was_waiting && !behind(e.upto, e.watermark))
    waiting_.erase(std::find(waiting_.begin(), waiting_.end(), c));
}

std::vector<persistence::conversation_id> index_backlog::unknown_watermarks() const {
  std::vector<persistence::conversation_id> out;
  for (auto c : waiting_)
    if (!entries_.at(c).watermark) out.push_back(c);
  return out;
}

std::vector<index_range> index_backlog::plan(std::size_t max_events,
                                             std::size_t max_conversations) const {
  std::vector<index_range> out;
  auto left = static_cast<persistence::seq_t>(max_events);
  for (auto c : waiting_) {
    if (left <= 0 || out.size() >= max_conversations) break;
    const auto& e = entries_.at(c);
    if (!e.watermark) continue;
    const auto upto = std::min(e.upto, *e.watermark + left);
    out.push_back({c, *e.watermark, upto});
    left -= upto - *e.watermark;
  }
  return out;
}

void index_backlog::done(const std::vector<index_range>& round) {
  for (const auto& r : round) {
    auto it = entries_.find(r.conversation);
    if (it == entries_.end()) continue;
    auto& e = it->second;
    const bool was_waiting = behind(e.upto, e.watermark);
    e.watermark = std::max(e.watermark.value_or(0), r.upto);
    if (was_waiting && !behind(e.upto, e.watermark)) {
      waiting_.erase(std::find(waiting_.begin(), waiting_.end(), r.conversation));
    } else if (was_waiting) {
      // Cut short: to the back of the line, so one long backlog does not starve the others.
      waiting_.erase(std::find(waiting_.begin(), waiting_.end(), r.conversation));
      waiting_.push_back(r.conversation);
    }
  }
  if (entries_.size() > max_known) {
    // Forget caught-up conversations; their watermarks are read again when they get busy.
    std::erase_if(entries_,
                  [](const auto& kv) { return !behind(kv.second.upto, kv.second.watermark); });
  }
}

std::int64_t index_backlog::lag_events() const {
  std::int64_t n = 0;
  for (auto c : waiting_) {
    const auto& e = entries_.at(c);
    n += e.upto - e.watermark.value_or(0);
  }
  return n;
}

index_backlog::clock::duration index_backlog::lag(clock::time_point now) const {
  clock::time_point oldest = now;
  for (auto c : waiting_) oldest = std::min(oldest, entries_.at(c).since);
  return now - oldest;
}

}  // namespace chat::actors
