#pragma once
// The database jobs behind profiles and avatars (docs/protocol.md, "Profiles and avatars"): they
// run on a db worker and reply with values or a chat error, like every db_job.
#include <string>

#include <caf/all.hpp>

#include "persistence/avatar_store.hpp"
#include "persistence/database.hpp"
#include "protocol/messages.hpp"

namespace chat::actors {

/// A profile as the wire shows a user.
protocol::user_ref to_user_ref(const persistence::profile& p);

/// set_profile: the image must be one `me` uploaded (not_found otherwise). Replies frame_reply
/// (a users frame with the new profile) and resolved (who hears of the change: `me` and every
/// contact; nobody when nothing changed).
caf::message set_profile_job(persistence::database& db, persistence::user_id me,
                             const protocol::set_profile_req& r);

/// get_profiles: frame_reply with a users frame, or not_member for a conversation `me` is not in.
caf::message get_profiles_job(persistence::database& db, persistence::user_id me,
                              const protocol::get_profiles_req& r);

/// update_group's avatar: caf::ok_atom when "" or an image `me` uploaded, not_found otherwise.
caf::message own_avatar_job(persistence::database& db, persistence::user_id me,
                            const std::string& avatar);

/// The welcome's user: `me`'s profile (resolved, its one user).
caf::message my_profile_job(persistence::database& db, persistence::user_id me);

}  // namespace chat::actors
