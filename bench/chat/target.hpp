#pragma once
// The servers chat-bench drives: chatd (the real protocol) and two reference broadcast rooms
// (Node `ws`, Boost.Beast's chat-multi example) that speak a "room protocol": every text frame a
// client sends goes to every connected client. Each runs as a child process the bench starts,
// measures (/proc CPU time and RSS) and stops.
#include <sys/types.h>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace chat::bench {

enum class server_kind { chatd, node, beast };
const char* name_of(server_kind k);
server_kind parse_kind(const std::string& s);  ///< throws std::invalid_argument

struct target_config {
  std::string chatd_binary;
  std::string db;  ///< chatd: empty = a fresh SQLite file in the work dir
  std::string work_dir;
  std::string source_dir;  ///< the checkout (bench/reference/...)
  int server_threads = 1;
  std::vector<std::string> chatd_args;  ///< extra flags
  int server_cpu = -1;                  ///< >= 0: the server runs on this CPU only
  std::string perf_dir;  ///< non-empty: `perf record -g` the measured part into this folder
  /// perf's --call-graph: "fp" (frame pointers) or "dwarf" (stacks through libraries built
  /// without them, such as SQLite; bigger files)
  std::string perf_call_graph = "fp";
};

class target {
 public:
  target(server_kind kind, const target_config& cfg);
  ~target();  ///< SIGKILLs a server still running
  target(const target&) = delete;
  target& operator=(const target&) = delete;

  server_kind kind() const { return kind_; }
  bool chat_protocol() const { return kind_ == server_kind::chatd; }
  std::uint16_t port() const { return port_; }
  std::string ws_path() const { return chat_protocol() ? "/ws" : "/"; }
  pid_t pid() const { return pid_; }
  /// utime + stime of the server process, seconds.
  double cpu_seconds() const;
  long rss_kib() const;
  /// SIGTERM, wait; returns the exit status (128+signal when killed, -1 on timeout).
  int stop();
  std::string log_tail() const;
  /// chatd: one sample (sum of every series) of a metric from its /metrics listener; NAN when
  /// the server has none or the scrape failed.
  double metric(const std::string& name) const;
  /// With `perf_dir` set: starts `perf record -g` on the server for the measured part (`label`
  /// names the file); `stop_profile` ends it. No-ops without `perf_dir`.
  void start_profile(const std::string& label);
  void stop_profile();

 private:
  server_kind kind_;
  pid_t pid_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t metrics_port_ = 0;
  std::string log_path_;
  std::string perf_dir_;
  std::string perf_call_graph_;
  pid_t perf_pid_ = -1;
};

/// Builds Boost.Beast's chat-multi example from the Boost documentation package into `dir`
/// (once; later calls reuse the binary). Returns its path; throws std::runtime_error.
std::string build_beast_chat(const std::string& dir);

}  // namespace chat::bench
