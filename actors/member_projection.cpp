#include "actors/member_projection.hpp"

namespace chat::actors {

void member_projection::load(const std::set<user_id>& members,
                             const std::map<user_id, role>& roles) {
  durable_ = members;
  projected_ = members;
  durable_roles_.clear();
  for (auto& [u, r] : roles)
    if (r != role::member) durable_roles_[u] = r;
  projected_roles_ = durable_roles_;
}

void member_projection::apply_role(std::map<user_id, role>& roles, const persistence::event& e) {
  const bool adds = e.type == "member_added", changes = e.type == "role_changed";
  if (adds || changes) {
    auto r = role_of(e.payload);
    if (r == role::member)
      roles.erase(e.subject);
    else
      roles[e.subject] = r;
  } else if (e.type == "member_removed" || e.type == "member_left") {
    roles.erase(e.subject);
  }
}

void member_projection::apply(std::set<user_id>& set, const persistence::event& e) {
  if (e.type == "member_added")
    set.insert(e.subject);
  else if (e.type == "member_removed" || e.type == "member_left")
    set.erase(e.subject);
}

}  // namespace chat::actors
