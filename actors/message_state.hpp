#pragma once
// A message's current state, folded from its `message` event and the changes that name it
// (message_edited, message_deleted, reaction_added, reaction_removed), and the conversation's
// projection of those states: durable (every applied event is in the log) and projected (the
// queued changes too, so a second delete queued behind the first is answered as a repeat). No
// CAF, no database: the conversation actor and the history path of a database job both fold
// with it, so the log rebuilds the same state after a restart or a passivation.
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <vector>

#include "persistence/types.hpp"

namespace chat::actors {

struct reaction_entry {
  std::string emoji;
  persistence::user_id user = 0;
  persistence::seq_t seq = 0;  ///< the reaction_added event
  std::int64_t ts = 0;
  bool operator==(const reaction_entry&) const = default;
};

struct message_state {
  persistence::seq_t seq = 0;
  persistence::user_id author = 0;
  std::string body;  ///< the latest text; "" once deleted
  std::vector<persistence::user_id> mentions;
  std::int64_t edited_at = 0;  ///< ts of the latest edit (0: never edited)
  bool deleted = false;
  persistence::seq_t deleted_seq = 0;     ///< the message_deleted event
  std::int64_t deleted_at = 0;            ///< its ts
  std::vector<reaction_entry> reactions;  ///< in the order they were added
  persistence::seq_t upto = 0;            ///< the newest change applied (older ones are ignored)

  /// The state a `message` event starts in.
  static message_state of(const persistence::event& message);
  /// Applies a change naming this message; changes at or below `upto`, or naming another
  /// message, change nothing (so folding the same events twice is harmless).
  void apply(const persistence::event& change);
  const reaction_entry* reaction(persistence::user_id user, std::string_view emoji) const;
  std::size_t distinct_emoji() const;
  bool operator==(const message_state&) const = default;
};

/// Folds `events` (ascending seq: messages and changes in any mix) into the states of the
/// messages among them; changes to messages not among them are skipped.
std::map<persistence::seq_t, message_state> fold_messages(
    std::span<const persistence::event> events);

class message_projection {
 public:
  using seq_t = persistence::seq_t;

  /// An event became durable (messages start a state; changes update a known one).
  void committed(const persistence::event& e);
  /// An event was queued: the projection moves on.
  void queued(const persistence::event& e);
  /// Queued events were dropped or failed: projected = durable + what is still pending.
  template <class ForEach>
  void reproject(ForEach&& for_each_pending) {
    projected_ = durable_;
    for_each_pending([this](const persistence::event& e) { apply(projected_, e); });
  }
  /// A state read from the log (a message older than the conversation's tail), with the durable
  /// events that arrived since the read; a state already known wins.
  void loaded(message_state s, std::span<const persistence::event> newer);

  /// The state once every queued event is durable; nullptr when unknown (not a message, or not
  /// loaded).
  const message_state* projected(seq_t seq) const;
  const message_state* durable(seq_t seq) const;
  /// Forgets durable states below `keep_from` beyond the newest `cap` of them (memory bound),
  /// except those `pinned` says queued events still name.
  template <class Pinned>
  void trim(seq_t keep_from, std::size_t cap, Pinned&& pinned) {
    while (durable_.size() > cap && !durable_.empty() && durable_.begin()->first < keep_from &&
           !pinned(durable_.begin()->first)) {
      projected_.erase(durable_.begin()->first);
      durable_.erase(durable_.begin());
    }
  }
  std::size_t size() const { return durable_.size(); }

 private:
  static void apply(std::map<seq_t, message_state>& states, const persistence::event& e);
  std::map<seq_t, message_state> durable_, projected_;
};

}  // namespace chat::actors
