#pragma once
// Internal to admin/: how one command is written. It reads its arguments with arg_*(), may
// emit items, and returns the final result; failures are thrown as bad_argument / command_error
// and the dispatcher turns them into the final error line.
#include <memory>
#include <string>

#include "admin/commands.hpp"
#include "admin/wire.hpp"
#include "persistence/database.hpp"
#include "persistence/types.hpp"

namespace chat::admin::detail {

struct command_error {
  std::string_view code;
  std::string message;
};

struct call {
  context& ctx;
  const json& args;
  reply_sink& out;
  /// Emits an item; false when the client is gone (stop early).
  bool item(const json& j) { return out.emit(item_line(j)); }
};

/// A fresh connection for one command (unavailable on failure).
std::unique_ptr<persistence::database> open_db(const context& ctx);
/// Throws command_error for a persistence error (not_found keeps its code).
[[noreturn]] void fail(const persistence::error& e);

json cmd_log(call& c);
json cmd_verify(call& c);
json cmd_export(call& c);
json cmd_sessions_list(call& c);
json cmd_sessions_revoke(call& c);
json cmd_user_disable(call& c);
json cmd_user_enable(call& c);
json cmd_status(call& c);

// Live commands (live_commands.cpp): through actors::server.
/// Close codes chatd uses for operator actions (docs/protocol.md section 9).
inline constexpr std::uint16_t close_operator = 4003;  ///< chatctl disconnect
inline constexpr std::uint16_t close_disabled = 4001;  ///< chatctl user disable
/// Actor counts by kind, rates and latencies for status (also what top's header shows).
json live_summary(call& c);
/// Closes every connection of `id` with `code`; how many.
std::int64_t disconnect(call& c, persistence::user_id id, std::uint16_t code, std::string reason);
json cmd_actors(call& c);
json cmd_inspect(call& c);
json cmd_passivate(call& c);
json cmd_disconnect(call& c);

}  // namespace chat::admin::detail
