#pragma once
// A conversation's members, apart from its actor: the set after every durable event, and the
// projected set once the queued membership events are durable too (checks of new requests use
// the projection, so a send queued after a removal is refused). No CAF, no database.
#include <set>

#include "persistence/types.hpp"

namespace chat::actors {

class member_projection {
 public:
  using user_id = persistence::user_id;

  /// Activation: the members the store lists; nothing is queued yet.
  void load(const std::set<user_id>& members);

  /// Members after every durable event.
  const std::set<user_id>& durable() const { return durable_; }
  /// Members once every queued event is durable.
  const std::set<user_id>& projected() const { return projected_; }
  bool is_member(user_id u) const { return durable_.count(u) > 0; }
  bool will_be_member(user_id u) const { return projected_.count(u) > 0; }

  /// An event was queued: the projection moves on.
  void queued(const persistence::event& e) { apply(projected_, e); }
  /// An event became durable: the durable set moves on.
  void committed(const persistence::event& e) { apply(durable_, e); }
  /// Queued events were dropped or failed: recompute the projection from the durable set and
  /// what is still queued (`for_each_pending(f)` calls f with every pending event, in order).
  template <class ForEach>
  void reproject(ForEach&& for_each_pending) {
    projected_ = durable_;
    for_each_pending([this](const persistence::event& e) { apply(projected_, e); });
  }

  /// What a membership event does to a member set (other events do nothing).
  static void apply(std::set<user_id>& set, const persistence::event& e);

 private:
  std::set<user_id> durable_, projected_;
};

}  // namespace chat::actors
