#pragma once
// chatd's one settings object: every knob of every library's config struct, read from flags,
// an optional config file and the environment by one parser (CLI11). The defaults are the config
// structs' own member initialisers: they are written once, there.
#include <chrono>
#include <cstdint>
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
  std::string scheduler = "sharing";  ///< --scheduler: CAF's sharing or work-stealing policy
  int actor_threads = 0;              ///< --actor-threads: CAF scheduler threads (0: one per CPU)
  // The admin surface for chatctl (docs/admin.md).
  std::string data_dir;         ///< --data-dir; empty: the SQLite file's directory, else "."
  std::string attachments_dir;  ///< --attachments-dir; empty: <data dir>/attachments
  std::string admin_socket;     ///< --admin-socket; empty: <data dir>/chatd-admin.sock; "none": off
  std::string admin_listen_host;  ///< --admin-listen ADDR:PORT; empty: no TCP admin listener
  std::uint16_t admin_listen_port = 0;
  std::string admin_token_file;  ///< --admin-token-file; empty: <data dir>/chatd-admin.token
};

/// The data directory, admin socket and token file after defaults (see --help).
struct admin_paths {
  std::string data_dir, socket, token_file;
  bool explicit_socket = false;  ///< chosen by a flag: a busy socket is then fatal
};
admin_paths resolve_admin_paths(const settings& s);

/// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(const std::string& host);

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
