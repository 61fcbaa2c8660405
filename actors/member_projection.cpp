#include "actors/member_projection.hpp"

namespace chat::actors {

void member_projection::load(const std::set<user_id>& members) {
  durable_ = members;
  projected_ = members;
}

void member_projection::apply(std::set<user_id>& set, const persistence::event& e) {
  if (e.type == "member_added")
    set.insert(e.subject);
  else if (e.type == "member_removed" || e.type == "member_left")
    set.erase(e.subject);
}

}  // namespace chat::actors
