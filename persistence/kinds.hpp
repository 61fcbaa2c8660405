#pragma once
// The event kinds of the conversation log (column `type`) and what `payload` holds for each.
// The store applies the projections some of them drive (memberships, roles, the conversation
// row, mentions, redaction) in the transaction that appends them.
#include <string_view>

namespace chat::persistence::kind {

inline constexpr std::string_view message = "message";  ///< payload: the text
inline constexpr std::string_view created = "created";  ///< payload: the group title
inline constexpr std::string_view member_added =
    "member_added";  ///< payload: the role ("" = member)
inline constexpr std::string_view member_removed = "member_removed";
inline constexpr std::string_view member_left = "member_left";
/// Changes to the message at `target`.
inline constexpr std::string_view message_edited = "message_edited";      ///< payload: the new text
inline constexpr std::string_view message_deleted = "message_deleted";    ///< payload: ""
inline constexpr std::string_view reaction_added = "reaction_added";      ///< payload: the emoji
inline constexpr std::string_view reaction_removed = "reaction_removed";  ///< payload: the emoji
/// Group settings (payload: the new value) and roles (subject, payload: the role).
inline constexpr std::string_view renamed = "renamed";
inline constexpr std::string_view description_changed = "description_changed";
inline constexpr std::string_view avatar_color_changed = "avatar_color_changed";
/// payload: the avatar image id ("" = removed)
inline constexpr std::string_view avatar_changed = "avatar_changed";
inline constexpr std::string_view role_changed = "role_changed";

/// Whether the event changes the message named by its `target`.
inline bool changes_message(std::string_view type) {
  return type == message_edited || type == message_deleted || type == reaction_added ||
         type == reaction_removed;
}

}  // namespace chat::persistence::kind
