#include "actors/sync_tracker.hpp"

#include <algorithm>
#include <set>

namespace chat::actors {

void sync_tracker::deliver(stream& s, live_event& e, std::vector<frame>& out) {
  if (e.seq <= s.sent_upto) return;  // already written by a replay
  if (s.first_sent == 0) s.first_sent = e.seq;
  s.sent_upto = e.seq;
  out.push_back(std::move(e.f));
}

void sync_tracker::hold() {
  holding_ = true;
}

void sync_tracker::release(std::vector<frame>& out) {
  holding_ = false;
  auto held = std::move(held_);
  held_.clear();
  for (auto& h : held) on_live(h.conversation, h.event.seq, std::move(h.event.f), out);
}

void sync_tracker::on_live(conversation_id conv, seq_t seq, frame f, std::vector<frame>& out) {
  if (seq == 0) {  // typing / read receipts: not part of the log, never held
    out.push_back(std::move(f));
    return;
  }
  if (holding_) {
    if (held_.size() < held_capacity) {
      held_.push_back({conv, {seq, std::move(f)}});
      return;
    }
    release(out);
  }
  auto& s = streams_[conv];
  live_event e{seq, std::move(f)};
  if (s.syncing)
    s.buffered.push_back(std::move(e));
  else
    deliver(s, e, out);
}

sync_tracker::sync_start sync_tracker::begin_sync(const protocol::sync_req& req,
                                                  std::vector<frame>& out) {
  sync_start start;
  std::set<conversation_id> listed;
  for (auto& p : req.positions) listed.insert(p.conversation);
  if (holding_) {
    holding_ = false;
    auto held = std::move(held_);
    held_.clear();
    for (auto& h : held) {
      if (listed.count(h.conversation) && !streams_[h.conversation].syncing)
        streams_[h.conversation].buffered.push_back(std::move(h.event));  // after the replay
      else
        on_live(h.conversation, h.event.seq, std::move(h.event.f), out);
    }
  }
  start.op = next_op_++;
  sync_op op;
  op.ref = req.id;
  std::set<conversation_id> seen;
  for (auto& p : req.positions) {
    auto& s = streams_[p.conversation];
    if (s.syncing || !seen.insert(p.conversation).second) continue;
    s.syncing = true;
    s.skip_lo = s.first_sent == 0 ? 1 : s.first_sent;
    s.skip_hi = s.first_sent == 0 ? 0 : s.sent_upto;
    start.replays.push_back({p.conversation, std::max<seq_t>(p.last_seq, 0)});
  }
  op.left = start.replays.size();
  if (op.left == 0)
    start.done = protocol::sync_done_frame{req.id, {}};
  else
    syncs_.emplace(start.op, std::move(op));
  return start;
}

bool sync_tracker::on_replayed(conversation_id conv, seq_t seq) {
  auto& s = streams_[conv];
  if (seq >= s.skip_lo && seq <= s.skip_hi) return false;  // written live before the sync
  if (s.first_sent == 0 || seq < s.first_sent) s.first_sent = seq;
  s.sent_upto = std::max(s.sent_upto, seq);
  return true;
}

std::optional<protocol::sync_done_frame> sync_tracker::end_replay(int op, conversation_id conv,
                                                                  seq_t from, bool reached,
                                                                  std::vector<frame>& out) {
  auto& s = streams_[conv];
  s.syncing = false;
  // Live events that came during the replay: those the replay covered are dropped.
  auto buffered = std::move(s.buffered);
  s.buffered.clear();
  std::stable_sort(buffered.begin(), buffered.end(),
                   [](const live_event& a, const live_event& b) { return a.seq < b.seq; });
  for (auto& e : buffered) deliver(s, e, out);
  auto i = syncs_.find(op);
  if (i == syncs_.end()) return std::nullopt;
  if (reached) i->second.reached.push_back({conv, std::max(from, s.sent_upto)});
  if (--i->second.left > 0) return std::nullopt;
  protocol::sync_done_frame done{std::move(i->second.ref), std::move(i->second.reached)};
  syncs_.erase(i);
  return done;
}

sync_tracker::summary sync_tracker::summarize() const {
  summary out;
  out.streamed = static_cast<std::int64_t>(streams_.size());
  out.syncs_running = static_cast<std::int64_t>(syncs_.size());
  out.held = static_cast<std::int64_t>(held_.size());
  out.memory_bytes = static_cast<std::int64_t>(held_.size() * sizeof(held_event));
  for (const auto& [conv, s] : streams_) {
    out.buffered += static_cast<std::int64_t>(s.buffered.size());
    if (s.syncing) ++out.syncing;
    out.memory_bytes +=
        static_cast<std::int64_t>(sizeof(stream) + s.buffered.size() * sizeof(live_event));
  }
  return out;
}

std::pair<sync_tracker::seq_t, sync_tracker::seq_t> sync_tracker::sent(conversation_id conv) const {
  auto i = streams_.find(conv);
  if (i == streams_.end()) return {0, 0};
  return {i->second.first_sent, i->second.sent_upto};
}

}  // namespace chat::actors
