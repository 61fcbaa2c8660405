#pragma once
#include <cstddef>
#include <cstdint>

namespace chat::protocol {

/// Documented limits (docs/protocol.md, "Limits"). Changing one changes the spec.
struct limits {
  static constexpr std::size_t max_frame_bytes = 64 * 1024;  ///< frame_too_large, close 1009
  static constexpr std::size_t max_body_chars = 4000;  ///< body_too_long (Unicode code points)
  static constexpr std::size_t max_client_msg_id_bytes = 64;  ///< bad_field
  static constexpr std::size_t max_title_chars = 100;         ///< bad_field
  static constexpr std::size_t max_group_members = 256;       ///< too_many_members
  static constexpr std::size_t max_sync_entries = 1000;       ///< bad_field
  static constexpr std::size_t max_depth = 8;                 ///< too_deep
  static constexpr int max_history_limit = 200;               ///< larger limits are clamped
  static constexpr int requests_per_second = 20;              ///< rate_limited (burst 40)
  static constexpr int request_burst = 40;
  static constexpr int max_connections_per_user = 10;      ///< too_many_connections
  static constexpr std::size_t max_outbound_queue = 1024;  ///< frames; overflow closes 4008
  static constexpr std::size_t max_username_bytes = 64;    ///< bad_field (usernames, prefixes)
  static constexpr std::size_t max_request_id_bytes = 64;  ///< bad_field
  static constexpr std::size_t max_token_bytes = 4096;     ///< bad_field
  static constexpr int max_search_limit = 50;              ///< larger search limits are clamped
  static constexpr int max_list_limit = 200;  ///< list_conversations page; larger ones are clamped
  /// A conversations frame stops growing here (the page ends early, next_cursor set).
  static constexpr std::size_t max_list_frame_bytes = 256 * 1024;
  static constexpr std::size_t max_search_query_chars = 100;    ///< bad_field (code points)
  static constexpr std::size_t max_cursor_bytes = 64;           ///< bad_field
  static constexpr std::size_t max_description_chars = 500;     ///< bad_field (group description)
  static constexpr std::size_t max_emoji_bytes = 32;            ///< bad_field (one reaction)
  static constexpr std::size_t max_reactions_per_message = 20;  ///< distinct emoji: bad_field
  static constexpr std::size_t max_mentions_per_message = 50;   ///< further @names are ignored
  static constexpr std::size_t max_attachments = 10;            ///< per message; bad_field
  static constexpr std::size_t max_attachment_id_bytes = 64;    ///< bad_field
  /// get_profiles without a conversation: your contacts beyond this many are left out.
  static constexpr int max_profiles = 2000;
  static constexpr std::int64_t max_id = (std::int64_t{1} << 53) - 1;  ///< ids/seqs exact in JS
};

/// Protocol versions this server speaks.
inline constexpr int protocol_version = 1;

}  // namespace chat::protocol
