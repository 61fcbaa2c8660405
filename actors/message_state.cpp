#include "actors/message_state.hpp"

#include <algorithm>
#include <set>

#include "persistence/kinds.hpp"

namespace chat::actors {

namespace kind = persistence::kind;

message_state message_state::of(const persistence::event& message) {
  message_state s;
  s.seq = message.seq;
  s.author = message.sender;
  s.body = message.payload;
  s.mentions = message.mentions;
  return s;
}

void message_state::apply(const persistence::event& change) {
  if (change.target != seq || !kind::changes_message(change.type)) return;
  // A queued change has no seq yet (0): it applies to the projected state only, once.
  if (change.seq != 0) {
    if (change.seq <= upto) return;
    upto = change.seq;
  }
  if (change.type == kind::message_deleted) {
    deleted = true;
    deleted_seq = change.seq;
    deleted_at = change.created_at_ms;
    body.clear();
    mentions.clear();
    reactions.clear();
  } else if (deleted) {
    return;  // nothing changes a deleted message
  } else if (change.type == kind::message_edited) {
    body = change.payload;
    mentions = change.mentions;
    edited_at = change.created_at_ms;
  } else if (change.type == kind::reaction_added) {
    if (!reaction(change.sender, change.payload))
      reactions.push_back({change.payload, change.sender, change.seq, change.created_at_ms});
  } else if (change.type == kind::reaction_removed) {
    std::erase_if(reactions, [&](const reaction_entry& r) {
      return r.user == change.sender && r.emoji == change.payload;
    });
  }
}

const reaction_entry* message_state::reaction(persistence::user_id user,
                                              std::string_view emoji) const {
  for (const auto& r : reactions)
    if (r.user == user && r.emoji == emoji) return &r;
  return nullptr;
}

std::size_t message_state::distinct_emoji() const {
  std::set<std::string_view> kinds;
  for (const auto& r : reactions) kinds.insert(r.emoji);
  return kinds.size();
}

std::map<persistence::seq_t, message_state> fold_messages(
    std::span<const persistence::event> events) {
  std::map<persistence::seq_t, message_state> out;
  for (const auto& e : events) {
    if (e.type == kind::message) {
      out.emplace(e.seq, message_state::of(e));
    } else if (kind::changes_message(e.type)) {
      if (auto it = out.find(e.target); it != out.end()) it->second.apply(e);
    }
  }
  return out;
}

void message_projection::apply(std::map<seq_t, message_state>& states,
                               const persistence::event& e) {
  if (e.type == kind::message) {
    states.emplace(e.seq, message_state::of(e));
  } else if (kind::changes_message(e.type)) {
    if (auto it = states.find(e.target); it != states.end()) it->second.apply(e);
  }
}

void message_projection::committed(const persistence::event& e) {
  apply(durable_, e);
  // A queued change is in the projection already (without its seq, which it has now); a new
  // message only now has its seq.
  if (e.type == kind::message) projected_.emplace(e.seq, message_state::of(e));
  auto it = projected_.find(e.target);
  if (e.target == 0 || it == projected_.end()) return;
  auto& p = it->second;
  if (e.type == kind::message_deleted && p.deleted && p.deleted_seq == 0) {
    p.deleted_seq = e.seq;
    p.deleted_at = e.created_at_ms;
  } else if (e.type == kind::reaction_added) {
    for (auto& r : p.reactions)
      if (r.user == e.sender && r.emoji == e.payload && r.seq == 0) {
        r.seq = e.seq;
        r.ts = e.created_at_ms;
      }
  }
}

void message_projection::queued(const persistence::event& e) {
  if (e.type != kind::message) apply(projected_, e);
}

void message_projection::loaded(message_state s, std::span<const persistence::event> newer) {
  if (durable_.count(s.seq)) return;
  for (const auto& e : newer) s.apply(e);
  durable_.emplace(s.seq, s);
  projected_.emplace(s.seq, std::move(s));
}

const message_state* message_projection::projected(seq_t seq) const {
  auto it = projected_.find(seq);
  return it == projected_.end() ? nullptr : &it->second;
}

const message_state* message_projection::durable(seq_t seq) const {
  auto it = durable_.find(seq);
  return it == durable_.end() ? nullptr : &it->second;
}

}  // namespace chat::actors
