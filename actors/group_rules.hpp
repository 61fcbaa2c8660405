#pragma once
// Who may do what in a conversation (docs/protocol.md, "Roles"), and which users a message
// mentions. Pure functions: no CAF, no database.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "persistence/types.hpp"

namespace chat::actors {

enum class role { member, admin, owner };

/// "owner" / "admin" / anything else (member).
role role_of(std::string_view name);
const char* role_name(role r);

/// Editing: only the author, in any conversation.
bool may_edit(persistence::user_id who, persistence::user_id author);
/// Deleting: the author; in a group also an admin or the owner.
bool may_delete(persistence::user_id who, role who_role, persistence::user_id author, bool group);
/// Title, description, avatar colour: admins and the owner.
bool may_update_group(role who_role);
/// Removing another member: the owner anyone, an admin plain members only.
bool may_remove(role who_role, role target_role);
/// Giving roles (and handing over ownership): the owner only.
bool may_set_role(role who_role);

/// The members a message mentions: each `@name` (case-insensitive, at the start or after a
/// character that cannot be part of a username) that names one of `members` (id, username),
/// once each, in order of appearance, at most `max`, never the sender.
std::vector<persistence::user_id> find_mentions(
    std::string_view body, const std::vector<std::pair<persistence::user_id, std::string>>& members,
    persistence::user_id sender, std::size_t max);

}  // namespace chat::actors
