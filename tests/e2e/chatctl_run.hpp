#pragma once
// Runs the real chatctl binary for end-to-end tests: exit code, stdout and stderr, bounded time.
#include <chrono>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace chat::e2e {

struct chatctl_result {
  int exit_code = -1;  ///< -1 when it had to be killed
  std::string out, err;
  /// stdout as one JSON document (REQUIREs that it is one).
  nlohmann::json json() const;
  /// stdout as JSON lines.
  std::vector<nlohmann::json> json_lines() const;
};

/// chatctl `args`, optionally as another user (`as_uid` >= 0, via setpriv), killed after
/// `timeout`.
chatctl_result run_chatctl(const std::vector<std::string>& args,
                           std::chrono::milliseconds timeout = std::chrono::seconds(60),
                           int as_uid = -1);

/// `run_chatctl` with "--data-dir DIR" first.
chatctl_result chatctl_in(const std::string& data_dir, std::vector<std::string> args);

}  // namespace chat::e2e
