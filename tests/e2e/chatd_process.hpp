#pragma once
// A real chatd child process for tests and benches. RAII: the destructor SIGKILLs it if it is
// still running, so a failing test never leaves servers behind.
#include <sys/types.h>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace chat::e2e {

class chatd_process {
 public:
  /// Starts `binary` with `args`; stderr and stdout go to a temp log file.
  chatd_process(std::string binary, std::vector<std::string> args);
  ~chatd_process();
  chatd_process(const chatd_process&) = delete;
  chatd_process& operator=(const chatd_process&) = delete;

  /// Waits for "chatd listening on http://ADDR:PORT"; false when it exits or the time runs out.
  bool wait_listening(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  std::uint16_t port() const { return port_; }
  /// The --metrics-listen port chatd logged, or 0.
  std::uint16_t metrics_port() const { return metrics_port_; }
  pid_t pid() const { return pid_; }
  bool running();
  /// Sends `sig` and waits for the exit; returns the exit code, 128+signal when killed by a
  /// signal, or -1 when it did not exit in time (then it is SIGKILLed).
  int stop(int sig, std::chrono::milliseconds timeout = std::chrono::seconds(20));
  /// Whole log so far.
  std::string log() const;
  /// Resident set size in KiB from /proc/<pid>/status (VmRSS), or -1.
  long rss_kib() const;

 private:
  int reap(bool block);
  std::string log_path_;
  pid_t pid_ = -1;
  int exit_status_ = -1;
  std::uint16_t port_ = 0;
  std::uint16_t metrics_port_ = 0;
};

}  // namespace chat::e2e
