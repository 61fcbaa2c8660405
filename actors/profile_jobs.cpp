#include "actors/profile_jobs.hpp"

#include <algorithm>
#include <limits>

#include "actors/db_worker.hpp"
#include "actors/messages.hpp"
#include "protocol/limits.hpp"

namespace chat::actors {

namespace {

using protocol::error_code;

caf::message users_reply(std::string ref, const std::vector<persistence::profile>& ps) {
  protocol::users_frame f;
  f.ref = std::move(ref);
  for (const auto& p : ps) f.users.push_back(to_user_ref(p));
  return caf::make_message(frame_reply{std::move(f)});
}

}  // namespace

protocol::user_ref to_user_ref(const persistence::profile& p) {
  return {p.id, p.username, p.avatar_color, p.avatar};
}

caf::message set_profile_job(persistence::database& db, persistence::user_id me,
                             const protocol::set_profile_req& r) {
  persistence::avatar_store store{db};
  if (r.avatar && !r.avatar->empty()) {
    auto owned = store.owns(me, *r.avatar);
    if (!owned) return error_message(owned.err());
    if (!*owned)
      return caf::make_message(make_chat_error(
          error_code::not_found, "no such avatar image (upload it with POST /api/avatars)"));
  }
  auto before = store.profile_of(me);
  if (!before) return error_message(before.err());
  auto after = store.set_profile(me, r.avatar_color, r.avatar);
  if (!after) return error_message(after.err());
  if (!*after || !*before)
    return caf::make_message(make_chat_error(error_code::not_found, "no such user"));
  resolved push;
  if (**after != **before) {
    // Everyone who sees this user's avatar hears of it, and the user's own connections.
    auto contacts = store.contacts_of(me, std::numeric_limits<int>::max());
    if (!contacts) return error_message(contacts.err());
    for (const auto& c : *contacts) push.users.push_back({c.id, {}});
  }
  protocol::users_frame f;
  f.ref = r.id;
  f.users.push_back(to_user_ref(**after));
  return caf::make_message(frame_reply{std::move(f)}, std::move(push));
}

caf::message get_profiles_job(persistence::database& db, persistence::user_id me,
                              const protocol::get_profiles_req& r) {
  persistence::avatar_store store{db};
  if (r.conversation == 0) {
    auto found = store.contacts_of(me, protocol::limits::max_profiles);
    if (!found) return error_message(found.err());
    return users_reply(r.id, *found);
  }
  auto found = store.members_of(r.conversation);
  if (!found) return error_message(found.err());
  const bool member = std::any_of(found->begin(), found->end(),
                                  [&](const persistence::profile& p) { return p.id == me; });
  if (!member)
    return caf::make_message(
        make_chat_error(error_code::not_member, "not a member of this conversation"));
  return users_reply(r.id, *found);
}

caf::message own_avatar_job(persistence::database& db, persistence::user_id me,
                            const std::string& avatar) {
  if (avatar.empty()) return caf::make_message(caf::ok_atom_v);
  auto owned = persistence::avatar_store{db}.owns(me, avatar);
  if (!owned) return error_message(owned.err());
  if (!*owned)
    return caf::make_message(make_chat_error(
        error_code::not_found, "no such avatar image (upload it with POST /api/avatars)"));
  return caf::make_message(caf::ok_atom_v);
}

caf::message my_profile_job(persistence::database& db, persistence::user_id me) {
  auto p = persistence::avatar_store{db}.profile_of(me);
  if (!p) return error_message(p.err());
  if (!*p) return caf::make_message(make_chat_error(error_code::not_found, "no such user"));
  return caf::make_message(resolved{0, {to_user_ref(**p)}});
}

}  // namespace chat::actors
