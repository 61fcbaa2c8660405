#pragma once
// A conversation's members, apart from its actor: the set after every durable event, and the
// projected set once the queued membership events are durable too (checks of new requests use
// the projection, so a send queued after a removal is refused). No CAF, no database.
#include <map>
#include <set>

#include "actors/group_rules.hpp"
#include "persistence/types.hpp"

namespace chat::actors {

class member_projection {
 public:
  using user_id = persistence::user_id;

  /// Activation: the members the store lists (with their roles; absent ones are members);
  /// nothing is queued yet.
  void load(const std::set<user_id>& members, const std::map<user_id, role>& roles = {});

  /// Members after every durable event.
  const std::set<user_id>& durable() const { return durable_; }
  /// Members once every queued event is durable.
  const std::set<user_id>& projected() const { return projected_; }
  bool is_member(user_id u) const { return durable_.count(u) > 0; }
  bool will_be_member(user_id u) const { return projected_.count(u) > 0; }
  /// Roles once every queued event is durable (member for non-members too).
  role will_have_role(user_id u) const { return role_in(projected_roles_, u); }
  role durable_role(user_id u) const { return role_in(durable_roles_, u); }
  /// Owner and admins after every durable event (plain members are not listed).
  const std::map<user_id, role>& durable_roles() const { return durable_roles_; }

  /// An event was queued: the projection moves on.
  void queued(const persistence::event& e) {
    apply(projected_, e);
    apply_role(projected_roles_, e);
  }
  /// An event became durable: the durable set moves on.
  void committed(const persistence::event& e) {
    apply(durable_, e);
    apply_role(durable_roles_, e);
  }
  /// Queued events were dropped or failed: recompute the projection from the durable set and
  /// what is still queued (`for_each_pending(f)` calls f with every pending event, in order).
  template <class ForEach>
  void reproject(ForEach&& for_each_pending) {
    projected_ = durable_;
    projected_roles_ = durable_roles_;
    for_each_pending([this](const persistence::event& e) {
      apply(projected_, e);
      apply_role(projected_roles_, e);
    });
  }

  /// What a membership event does to a member set (other events do nothing).
  static void apply(std::set<user_id>& set, const persistence::event& e);
  /// What member_added (payload: the role), role_changed and leaving do to the roles.
  static void apply_role(std::map<user_id, role>& roles, const persistence::event& e);

 private:
  static role role_in(const std::map<user_id, role>& roles, user_id u) {
    auto it = roles.find(u);
    return it == roles.end() ? role::member : it->second;
  }
  std::set<user_id> durable_, projected_;
  std::map<user_id, role> durable_roles_, projected_roles_;  ///< owner and admins only
};

}  // namespace chat::actors
