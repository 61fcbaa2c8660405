#pragma once
// chatctl top: the busiest actors, refreshed like htop; quits on q.
#include <string>

#include "apps/chatctl/admin_client.hpp"

namespace chat::chatctl {

struct top_options {
  double interval_s = 2;
  std::string sort = "mailbox";  ///< mailbox | rate | memory
  int limit = 20;
  int iterations = 0;  ///< 0: until q (or Ctrl-C)
};

/// Runs the refresh loop on the terminal; exit code as for every command.
int run_top(admin_client& client, const top_options& o, bool json_out);

/// One screen: a summary line and the table (also what --json prints, as text, per refresh).
std::string render_top(const admin::json& status, const admin::json& actors, const top_options& o,
                       int width);

}  // namespace chat::chatctl
