#include "tests/e2e/chatd_process.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <thread>

namespace chat::e2e {

namespace {
std::string temp_log_path() {
  std::random_device rd;
  return "/tmp/chatd-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(rd()) + ".log";
}
}  // namespace

chatd_process::chatd_process(std::string binary, std::vector<std::string> args)
    : log_path_(temp_log_path()) {
  std::vector<std::string> all{binary};
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  pid_ = ::fork();
  if (pid_ == 0) {
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::execv(binary.c_str(), argv.data());
    std::fprintf(stderr, "exec %s failed: %d\n", binary.c_str(), errno);
    ::_exit(127);
  }
  if (fd >= 0) ::close(fd);
}

chatd_process::~chatd_process() {
  if (running()) {
    ::kill(pid_, SIGKILL);
    reap(true);
  }
  // On a failing REQUIRE, show what the server said before the log disappears.
  if (std::uncaught_exceptions() > 0 || std::getenv("CHAT_E2E_SHOW_LOGS")) {
    auto text = log();
    if (text.size() > 6000) text = "...\n" + text.substr(text.size() - 6000);
    std::cerr << "---- chatd log (" << log_path_ << ") ----\n" << text << "----\n";
  }
  if (!std::getenv("CHAT_E2E_KEEP_LOGS")) ::unlink(log_path_.c_str());
}

int chatd_process::reap(bool block) {
  if (pid_ <= 0 || exit_status_ >= 0) return exit_status_;
  int status = 0;
  pid_t r = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  if (r == pid_) {
    exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  return exit_status_;
}

bool chatd_process::running() {
  return pid_ > 0 && reap(false) < 0;
}

std::string chatd_process::log() const {
  std::ifstream in(log_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool chatd_process::wait_listening(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string marker = "chatd listening on http://";
  while (std::chrono::steady_clock::now() < deadline) {
    auto text = log();
    auto at = text.find(marker);
    if (at != std::string::npos) {
      auto eol = text.find('\n', at);
      if (eol != std::string::npos) {
        auto addr = text.substr(at + marker.size(), eol - at - marker.size());
        auto colon = addr.rfind(':');
        port_ = static_cast<std::uint16_t>(std::atoi(addr.c_str() + colon + 1));
        // chatd names its --metrics-listen port (if any) before the listening line.
        const std::string metrics_marker = "metrics on http://";
        if (auto m = text.find(metrics_marker); m != std::string::npos && m < at) {
          auto end = text.find("/metrics", m + metrics_marker.size());
          auto maddr = text.substr(m + metrics_marker.size(), end - m - metrics_marker.size());
          metrics_port_ =
              static_cast<std::uint16_t>(std::atoi(maddr.c_str() + maddr.rfind(':') + 1));
        }
        return port_ != 0;
      }
    }
    if (!running()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int chatd_process::stop(int sig, std::chrono::milliseconds timeout) {
  if (!running()) return exit_status_;
  ::kill(pid_, sig);
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!running()) return exit_status_;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  reap(true);
  return -1;
}

long chatd_process::rss_kib() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::atol(line.c_str() + 6);
  return -1;
}

}  // namespace chat::e2e
