#pragma once
// Avatar images and profiles (docs/protocol.md, "Profiles and avatars"). An image row is written
// after its file exists (gateway/avatars.cpp), so no transaction waits on a file. A group's
// avatar is a column the event log keeps (kind avatar_changed); a user's is set here directly.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "persistence/database.hpp"
#include "persistence/types.hpp"

namespace chat::persistence {

struct avatar_image {
  std::string id;      ///< 32 random hex characters: the only handle clients get
  std::string sha256;  ///< the re-encoded file's name in the blob store
  std::string content_type;
  user_id uploader = 0;
  std::int64_t created_at_ms = 0;
};

/// A user as a profile shows them.
struct profile {
  user_id id = 0;
  std::string username;
  std::string avatar_color;  ///< "#rrggbb" or ""
  std::string avatar;        ///< avatar image id or ""
  bool operator==(const profile&) const = default;
};

class avatar_store {
 public:
  explicit avatar_store(database& db) : db_(db) {}

  status create(const avatar_image& a);
  result<std::optional<avatar_image>> find(std::string_view id);
  /// Whether `u` may put this image on their profile or a group: they uploaded it.
  result<bool> owns(user_id u, std::string_view id);
  /// Whether `u` may fetch it: its uploader; anyone sharing a conversation with a user whose
  /// avatar it is (that user included); a member of a group whose avatar it is.
  result<bool> may_fetch(user_id u, std::string_view id);

  result<std::optional<profile>> profile_of(user_id u);
  /// Sets what is given (nullopt: unchanged); returns the profile afterwards, nullopt for an
  /// unknown user.
  result<std::optional<profile>> set_profile(user_id u, const std::optional<std::string>& color,
                                             const std::optional<std::string>& avatar);
  /// `u` and every user sharing a conversation with `u`, by id, at most `limit`.
  result<std::vector<profile>> contacts_of(user_id u, int limit);
  /// The current members of a conversation, by id.
  result<std::vector<profile>> members_of(conversation_id c);

 private:
  database& db_;
};

}  // namespace chat::persistence
