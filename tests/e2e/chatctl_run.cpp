#include "tests/e2e/chatctl_run.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

namespace chat::e2e {

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

nlohmann::json chatctl_result::json() const {
  auto j = nlohmann::json::parse(out, nullptr, false);
  INFO("stdout: " << out << "\nstderr: " << err);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

std::vector<nlohmann::json> chatctl_result::json_lines() const {
  std::vector<nlohmann::json> lines;
  std::istringstream in(out);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    INFO("line: " << line);
    REQUIRE_FALSE(j.is_discarded());
    lines.push_back(std::move(j));
  }
  return lines;
}

chatctl_result run_chatctl(const std::vector<std::string>& args, std::chrono::milliseconds timeout,
                           int as_uid) {
  std::random_device rd;
  std::string base = "/tmp/chatctl-e2e-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
  std::string out_path = base + ".out", err_path = base + ".err";
  std::vector<std::string> all;
  if (as_uid >= 0) {
    all = {"/usr/bin/setpriv", "--reuid=" + std::to_string(as_uid),
           "--regid=" + std::to_string(as_uid), "--clear-groups"};
  }
  all.push_back(CHATCTL_BINARY);
  all.insert(all.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& a : all) argv.push_back(a.data());
  argv.push_back(nullptr);
  int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out_fd);
  ::close(err_fd);
  chatctl_result r;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (true) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  r.out = slurp(out_path);
  r.err = slurp(err_path);
  ::unlink(out_path.c_str());
  ::unlink(err_path.c_str());
  return r;
}

chatctl_result chatctl_in(const std::string& data_dir, std::vector<std::string> args) {
  args.insert(args.begin(), {"--data-dir", data_dir});
  return run_chatctl(args);
}

}  // namespace chat::e2e
