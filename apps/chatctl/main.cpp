// chatctl: look inside a running chatd and pull a few safe levers (docs/admin.md). Parses the
// command line (CLI11), sends one request over the admin socket, prints a table or --json.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "admin/token.hpp"
#include "apps/chatctl/admin_client.hpp"
#include "apps/chatctl/commands.hpp"
#include "apps/chatctl/exit_codes.hpp"

using namespace chat::chatctl;
using chat::admin::json;

namespace {

struct globals {
  std::string socket;
  std::string data_dir;
  std::string connect;
  std::string token_file;
  double timeout_s = 30;
  bool json_out = false;
};

std::string env_or(const char* name, std::string fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : std::move(fallback);
}

int fail_line(int code, const std::string& message) {
  std::fprintf(stderr, "chatctl: %s\n", message.c_str());
  return code;
}

int exit_of(failure f) {
  switch (f) {
    case failure::access_denied:
      return exit_code::access_denied;
    case failure::unreachable:
    case failure::timeout:
      return exit_code::unreachable;
    case failure::protocol:
      return exit_code::failed;
  }
  return exit_code::failed;
}

/// Where to connect, from the flags and the environment; nothing (and a message) when the
/// token cannot be read.
std::optional<endpoint> resolve(const globals& g, std::string& error) {
  endpoint ep;
  if (!g.connect.empty()) {
    auto colon = g.connect.rfind(':');
    if (colon == std::string::npos) {
      error = "--connect wants HOST:PORT";
      return std::nullopt;
    }
    ep.tcp_host = g.connect.substr(0, colon);
    if (ep.tcp_host.size() > 2 && ep.tcp_host.front() == '[')
      ep.tcp_host = ep.tcp_host.substr(1, ep.tcp_host.size() - 2);
    try {
      ep.tcp_port = static_cast<std::uint16_t>(std::stoi(g.connect.substr(colon + 1)));
    } catch (...) {
      error = "--connect wants HOST:PORT";
      return std::nullopt;
    }
    std::string file = g.token_file.empty()
                           ? (g.data_dir.empty() ? "." : g.data_dir) + "/chatd-admin.token"
                           : g.token_file;
    auto token = chat::admin::read_token(file);
    if (!token) {
      error = token.err().message;
      return std::nullopt;
    }
    ep.token = *token;
    return ep;
  }
  ep.socket_path = !g.socket.empty()     ? g.socket
                   : !g.data_dir.empty() ? g.data_dir + "/chatd-admin.sock"
                                         : "./chatd-admin.sock";
  return ep;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"chatctl: inspect and steer a running chatd over its admin socket (docs/admin.md)",
               "chatctl"};
  app.require_subcommand(1);
  app.fallthrough();  // global flags (--json, --socket) also after the subcommand
  app.footer(
      "Exit codes: 0 ok, 1 verify found problems, 2 usage, 3 chatd not reachable, 4 access "
      "denied\n(socket permissions or token), 5 not found, 6 chatd answered with an error.");
  globals g;
  g.socket = env_or("CHATD_ADMIN_SOCKET", "");
  g.connect = env_or("CHATD_ADMIN_CONNECT", "");
  g.token_file = env_or("CHATD_ADMIN_TOKEN_FILE", "");
  app.add_option("--socket", g.socket,
                 "admin socket (default ./chatd-admin.sock, or DIR/chatd-admin.sock with "
                 "--data-dir; env CHATD_ADMIN_SOCKET)");
  app.add_option("--data-dir", g.data_dir, "chatd's --data-dir");
  app.add_option("--connect", g.connect,
                 "use chatd's --admin-listen HOST:PORT instead of the socket (env "
                 "CHATD_ADMIN_CONNECT)");
  app.add_option("--token-file", g.token_file,
                 "token for --connect (default DIR/chatd-admin.token; env CHATD_ADMIN_TOKEN_FILE)");
  app.add_option("--timeout", g.timeout_s, "seconds to wait for an answer (default 30)")
      ->check(CLI::Range(0.1, 3600.0));
  app.add_flag("--json", g.json_out, "machine-readable output (one JSON document)");

  std::vector<invocation> chosen;
  register_commands(app, chosen);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? exit_code::ok : exit_code::usage;
  }
  if (chosen.empty()) return fail_line(exit_code::usage, "no command (see --help)");

  std::string error;
  auto ep = resolve(g, error);
  if (!ep) return fail_line(exit_code::access_denied, error);
  auto timeout = std::chrono::milliseconds(static_cast<long long>(g.timeout_s * 1000));
  client_error cerr;
  auto client = admin_client::connect(*ep, timeout, cerr);
  if (!client) return fail_line(exit_of(cerr.kind), cerr.message);

  if (chosen.back().run) return chosen.back().run(*client, g.json_out);

  auto& inv = chosen.back();
  std::vector<json> items;
  auto final_line = client->call(
      inv.cmd, inv.args,
      [&](const json& item) {
        if (inv.stream_items)
          std::cout << chat::admin::dump(item) << "\n";
        else
          items.push_back(item);
      },
      cerr);
  if (!final_line) return fail_line(exit_of(cerr.kind), cerr.message);
  if (!final_line->value("ok", false)) {
    auto err = (*final_line)["error"];
    auto code = err.value("code", "");
    auto message = err.value("message", "chatd refused the request");
    return fail_line(code == "not_found"     ? exit_code::not_found
                     : code == "bad_request" ? exit_code::usage
                                             : exit_code::failed,
                     message);
  }
  const json& result = (*final_line)["result"];
  if (g.json_out) {
    json doc = result;
    if (!inv.stream_items && !inv.items_key.empty()) doc[inv.items_key] = items;
    if (!inv.stream_items) std::cout << doc.dump(2) << "\n";
    return inv.exit_of ? inv.exit_of(result) : exit_code::ok;
  }
  if (inv.human) std::cout << inv.human(result, items);
  return inv.exit_of ? inv.exit_of(result) : exit_code::ok;
}
