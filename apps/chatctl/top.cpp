#include "apps/chatctl/top.hpp"

#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <fmt/format.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>

#include "apps/chatctl/exit_codes.hpp"
#include "apps/chatctl/table.hpp"

namespace chat::chatctl {

using admin::json;

namespace {

volatile std::sig_atomic_t interrupted = 0;

/// Raw keyboard input while top runs; restored on every exit path.
class raw_terminal {
 public:
  raw_terminal() {
    if (!::isatty(STDIN_FILENO) || ::tcgetattr(STDIN_FILENO, &saved_) != 0) return;
    termios raw = saved_;
    raw.c_lflag &= static_cast<tcflag_t>(~(ICANON | ECHO));
    raw.c_cc[VMIN] = 0;
    raw.c_cc[VTIME] = 0;
    active_ = ::tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
  }
  ~raw_terminal() {
    if (active_) ::tcsetattr(STDIN_FILENO, TCSANOW, &saved_);
  }

 private:
  termios saved_{};
  bool active_ = false;
};

int terminal_width() {
  winsize ws{};
  if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20) return ws.ws_col;
  return 120;
}

/// Waits up to `ms` for a key; the key, or 0.
char wait_key(int ms) {
  pollfd p{STDIN_FILENO, POLLIN, 0};
  if (::poll(&p, 1, ms) > 0 && (p.revents & POLLIN)) {
    char c = 0;
    if (::read(STDIN_FILENO, &c, 1) == 1) return c;
    // stdin at EOF (not a terminal): just keep time.
    ::poll(nullptr, 0, ms);
  }
  return 0;
}

}  // namespace

std::string render_top(const json& status, const json& actors, const top_options& o, int width) {
  std::string out = fmt::format(
      "chatd {}  up {}  db {} {}  connections {}  actors {}  msgs/s {}  deliveries/s {}  "
      "ack p99 {}  commit p99 {}\n",
      text(status["version"]), format_duration_ms(status.value("uptime_s", 0.0) * 1000),
      text(status["database"]["backend"]),
      status["database"].value("healthy", false) ? "ok" : "DOWN", text(status["connections"]),
      text(actors["total"]), text(status["messages_per_s"]), text(status["deliveries_per_s"]),
      status.contains("ack_ms") ? text(status["ack_ms"]["p99"]) + "ms" : "-",
      status.contains("commit_ms") ? text(status["commit_ms"]["p99"]) + "ms" : "-");
  out += fmt::format("sorted by {} (m: mailbox, r: msgs/s, M: memory, q: quit), every {}s\n\n",
                     o.sort, o.interval_s);
  table t({"KIND", "ID", "NAME", "MAILBOX", "HANDLED", "MSGS/S", "IDLE", "MEMORY"});
  for (const auto& a : actors["actors"])
    t.add({text(a["kind"]), text(a["id"]), shorten(a.value("name", ""), 24), text(a["mailbox"]),
           text(a["handled"]), fmt::format("{:.1f}", a.value("rate", 0.0)),
           format_duration_ms(a.value("idle_ms", 0.0)),
           format_bytes(a.value("memory_bytes", 0.0))});
  // Cut lines to the terminal so the view never wraps.
  std::string body = t.render(), cut;
  std::size_t start = 0;
  while (start < body.size()) {
    auto nl = body.find('\n', start);
    auto line = body.substr(start, nl - start);
    if (line.size() > static_cast<std::size_t>(width)) line.resize(static_cast<std::size_t>(width));
    cut += line + "\n";
    start = nl == std::string::npos ? body.size() : nl + 1;
  }
  return out + cut;
}

int run_top(admin_client& client, const top_options& opts, bool json_out) {
  top_options o = opts;
  std::signal(SIGINT, [](int) { interrupted = 1; });
  raw_terminal term;
  bool tty = ::isatty(STDOUT_FILENO);
  for (int i = 0; !interrupted && (o.iterations == 0 || i < o.iterations); ++i) {
    client_error err;
    auto status = client.call("status", json::object(), {}, err);
    std::optional<json> actors;
    if (status) actors = client.call("actors", {{"sort", o.sort}, {"limit", o.limit}}, {}, err);
    if (!status || !actors) {
      std::fprintf(stderr, "chatctl: %s\n", err.message.c_str());
      return err.kind == failure::access_denied ? exit_code::access_denied : exit_code::unreachable;
    }
    if (!actors->value("ok", false) || !status->value("ok", false)) {
      const json& bad = actors->value("ok", false) ? *status : *actors;
      std::fprintf(stderr, "chatctl: %s\n",
                   bad["error"].value("message", std::string("chatd refused")).c_str());
      return exit_code::failed;
    }
    if (json_out) {
      std::cout << admin::dump(
                       json{{"status", (*status)["result"]}, {"actors", (*actors)["result"]}})
                << std::endl;
    } else {
      // Home + clear, then the frame: one write per refresh so the view does not flicker.
      std::string frame = tty ? "\x1b[H\x1b[2J" : "";
      frame += render_top((*status)["result"], (*actors)["result"], o, terminal_width());
      std::cout << frame << std::flush;
    }
    if (o.iterations != 0 && i + 1 == o.iterations) break;
    auto until = std::chrono::steady_clock::now() +
                 std::chrono::milliseconds(static_cast<long long>(o.interval_s * 1000));
    while (!interrupted) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      until - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0) break;
      char c = wait_key(static_cast<int>(left));
      if (c == 'q' || c == 'Q') return exit_code::ok;
      if (c == 'm' || c == 'r' || c == 'M') {
        o.sort = c == 'm' ? "mailbox" : c == 'r' ? "rate" : "memory";
        break;
      }
    }
  }
  return exit_code::ok;
}

}  // namespace chat::chatctl
