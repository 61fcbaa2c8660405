#pragma once
// chatctl's commands: the CLI11 subcommands, the request each sends, and how its answer is
// printed for people.
#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "admin/wire.hpp"
#include "apps/chatctl/admin_client.hpp"

namespace chat::chatctl {

struct invocation {
  explicit invocation(std::string c) : cmd(std::move(c)) {}
  std::string cmd;  ///< the admin protocol's command name
  admin::json args = admin::json::object();
  std::string items_key;      ///< --json: the items go under this key of the result
  bool stream_items = false;  ///< items go to stdout as JSON lines as they arrive (export)
  std::function<std::string(const admin::json& result, const std::vector<admin::json>& items)>
      human;
  std::function<int(const admin::json& result)> exit_of;  ///< empty: 0
  /// Commands that talk more than once (top): run instead of the single call.
  std::function<int(admin_client&, bool json_out)> run;
};

/// Adds every subcommand; the one the user chose appends its invocation to `chosen` at parse.
void register_commands(CLI::App& app, std::vector<invocation>& chosen);

}  // namespace chat::chatctl
