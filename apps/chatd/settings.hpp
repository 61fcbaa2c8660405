#pragma once
// chatd's one settings object: every knob of every library's config struct, read from flags,
// an optional config file and the environment by one parser (CLI11). The defaults are the config
// structs' own member initialisers: they are written once, there.
#include <chrono>
#include <optional>
#include <string>

#include "actors/server.hpp"
#include "auth/service.hpp"
#include "gateway/server.hpp"
#include "logging/logger.hpp"

namespace chat::apps {

struct settings {
  std::string db_url = "sqlite:chatd.db";  ///< copied into actors.db_url and auth.db_url
  actors::server_config actors;
  auth::config auth;
  gateway::config gateway;
  std::string migrations_dir;  ///< empty: the migrations compiled into chatd
  bool no_migrate = false;
  std::chrono::milliseconds shutdown_deadline{std::chrono::seconds(10)};
  logging::level log_level = logging::level::info;
};

/// What reading the command line gave: settings to run with, or an exit code and the text to
/// print (--help: 0 on stdout; a bad flag, value or config file: 2 on stderr).
struct parsed_settings {
  std::optional<settings> run;
  int exit_code = 0;
  std::string text;
};

/// Reads flags first, then the config file (--config / CHATD_CONFIG), then the environment:
/// the first that sets a knob wins, the struct default otherwise.
parsed_settings parse_settings(int argc, const char* const* argv);

}  // namespace chat::apps
