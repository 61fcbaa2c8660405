#include "gateway/metrics_text.hpp"

#include <fmt/format.h>

namespace chat::gateway {
namespace {

void family(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void sample(std::string& out, std::string_view name, std::int64_t v) {
  fmt::format_to(std::back_inserter(out), "{} {}\n", name, v);
}

void one(std::string& out, std::string_view name, std::string_view type, std::string_view help,
         std::int64_t v) {
  family(out, name, type, help);
  sample(out, name, v);
}

// Label values: escape backslash, quote and newline as the format requires.
std::string label(std::string_view v) {
  std::string s;
  for (char c : v) {
    if (c == '\\' || c == '"') s.push_back('\\');
    if (c == '\n') {
      s += "\\n";
      continue;
    }
    s.push_back(c);
  }
  return s;
}

}  // namespace

std::string render_metrics(const actors::metrics& m, const counters& c) {
  std::string out;
  out.reserve(2048);
  one(out, "chatd_connections", "gauge", "Authenticated WebSocket connections (connection actors).",
      m.connections);
  family(out, "chatd_live_actors", "gauge", "Live actors by kind.");
  fmt::format_to(std::back_inserter(out), "chatd_live_actors{{kind=\"user\"}} {}\n", m.live_users);
  fmt::format_to(std::back_inserter(out), "chatd_live_actors{{kind=\"conversation\"}} {}\n",
                 m.live_conversations);
  fmt::format_to(std::back_inserter(out), "chatd_live_actors{{kind=\"connection\"}} {}\n",
                 m.connections);
  one(out, "chatd_frames_in_total", "counter", "WebSocket frames received from clients.",
      m.frames_in);
  one(out, "chatd_frames_out_total", "counter", "WebSocket frames queued to clients.",
      m.frames_out);
  family(out, "chatd_log_batch_size", "summary", "Events per log-writer commit (group commit).");
  sample(out, "chatd_log_batch_size_sum", m.log_events);
  sample(out, "chatd_log_batch_size_count", m.log_batches);
  family(out, "chatd_log_commit_seconds", "summary", "Log-writer commit latency.");
  fmt::format_to(std::back_inserter(out), "chatd_log_commit_seconds_sum {:.6f}\n",
                 static_cast<double>(m.log_commit_us_total) / 1e6);
  sample(out, "chatd_log_commit_seconds_count", m.log_batches);
  family(out, "chatd_log_commit_seconds_max", "gauge", "Slowest log-writer commit so far.");
  fmt::format_to(std::back_inserter(out), "chatd_log_commit_seconds_max {:.6f}\n",
                 static_cast<double>(m.log_commit_us_max) / 1e6);
  one(out, "chatd_passivations_total", "counter", "Idle actors passivated.", m.passivations);
  family(out, "chatd_errors_total", "counter", "Protocol error frames sent, by code.");
  for (const auto& [code, n] : m.errors_by_code)
    fmt::format_to(std::back_inserter(out), "chatd_errors_total{{code=\"{}\"}} {}\n", label(code),
                   n);
  one(out, "chatd_http_requests_total", "counter", "HTTP requests read (upgrades included).",
      c.http_requests.load());
  one(out, "chatd_ws_sessions", "gauge", "Open WebSocket sessions (authenticated or not yet).",
      c.ws_sessions.load());
  one(out, "chatd_ws_upgrades_total", "counter", "WebSocket upgrades accepted.",
      c.ws_upgrades.load());
  family(out, "chatd_ws_refused_total", "counter",
         "WebSocket upgrades or sessions ended by the gateway, by reason.");
  fmt::format_to(std::back_inserter(out), "chatd_ws_refused_total{{reason=\"http_401\"}} {}\n",
                 c.ws_rejected_401.load());
  fmt::format_to(std::back_inserter(out), "chatd_ws_refused_total{{reason=\"close_4001\"}} {}\n",
                 c.ws_closed_4001.load());
  fmt::format_to(std::back_inserter(out), "chatd_ws_refused_total{{reason=\"close_4008\"}} {}\n",
                 c.ws_closed_4008.load());
  fmt::format_to(std::back_inserter(out), "chatd_ws_refused_total{{reason=\"close_1009\"}} {}\n",
                 c.ws_closed_1009.load());
  fmt::format_to(std::back_inserter(out), "chatd_ws_refused_total{{reason=\"binary\"}} {}\n",
                 c.ws_binary_refused.load());
  return out;
}

}  // namespace chat::gateway
