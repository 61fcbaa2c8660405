#include "bench/chat/target.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/e2e/client.hpp"

namespace chat::bench {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

const char* name_of(server_kind k) {
  switch (k) {
    case server_kind::chatd:
      return "chatd";
    case server_kind::node:
      return "node-ws";
    case server_kind::beast:
      return "beast-chat";
  }
  return "?";
}

server_kind parse_kind(const std::string& s) {
  if (s == "chatd") return server_kind::chatd;
  if (s == "node" || s == "node-ws") return server_kind::node;
  if (s == "beast" || s == "beast-chat") return server_kind::beast;
  throw std::invalid_argument("unknown server '" + s + "' (chatd, node, beast)");
}

namespace {

std::uint16_t free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

bool accepts(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(port);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  ::close(fd);
  return ok;
}

std::string run_output(const std::string& cmd) {
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    while (auto n = std::fread(buf, 1, sizeof buf, p)) out.append(buf, n);
    if (::pclose(p) != 0) throw std::runtime_error("command failed: " + cmd + "\n" + out);
  }
  return out;
}

}  // namespace

std::string build_beast_chat(const std::string& dir) {
  const fs::path src =
      "/usr/share/doc/libboost1.74-doc/examples/libs/beast/example/websocket/"
      "server/chat-multi";
  fs::path bin = fs::path(dir) / "beast-chat-multi";
  if (fs::exists(bin)) return bin;
  if (!fs::exists(src / "main.cpp"))
    throw std::runtime_error(
        "Boost.Beast's chat-multi example is missing: install libboost1.74-doc");
  fs::create_directories(dir);
  // Built as shipped (-O2, like our release build); nothing of it enters the repository. One
  // translation unit per command, through ccache when there is one (a warm cache makes the CI
  // smoke run's build take seconds instead of minutes).
  const std::string cxx =
      std::system("command -v ccache >/dev/null 2>&1") == 0 ? "ccache g++" : "g++";
  std::string objects;
  for (auto& entry : fs::directory_iterator(src)) {
    if (entry.path().extension() != ".cpp") continue;
    auto obj = (fs::path(dir) / entry.path().stem()).string() + ".o";
    run_output(cxx + " -std=c++17 -O2 -DNDEBUG -I" + src.string() + " -c " + entry.path().string() +
               " -o " + obj + " 2>&1");
    objects += " " + obj;
  }
  run_output("g++" + objects + " -o " + bin.string() + ".tmp -lpthread 2>&1");
  fs::rename(bin.string() + ".tmp", bin);
  return bin;
}

target::target(server_kind kind, const target_config& cfg)
    : kind_(kind), perf_dir_(cfg.perf_dir), perf_call_graph_(cfg.perf_call_graph) {
  port_ = free_port();
  fs::create_directories(cfg.work_dir);
  log_path_ = (fs::path(cfg.work_dir) / (std::string(name_of(kind)) + ".log")).string();
  std::vector<std::string> argv;
  auto p = std::to_string(port_);
  switch (kind) {
    case server_kind::chatd: {
      std::string db = cfg.db;
      if (db.empty()) {
        auto file = fs::path(cfg.work_dir) / "chatd-bench.db";
        for (auto ext : {"", "-wal", "-shm"}) fs::remove(file.string() + ext);
        db = "sqlite:" + file.string();
      }
      argv = {cfg.chatd_binary, "--listen", "127.0.0.1:" + p, "--db", db, "--threads",
              std::to_string(cfg.server_threads), "--requests-per-second", "1000000",
              "--request-burst", "1000000",
              // Sign-up cost is not what the bench measures (accounts are made before t0).
              "--fast-password-hashing", "--admin-socket", "none",
              // The storm's sockets come from a few loopback addresses.
              "--max-connections-per-ip", "0"};
      metrics_port_ = free_port();
      argv.insert(argv.end(), {"--metrics-listen", "127.0.0.1:" + std::to_string(metrics_port_)});
      argv.insert(argv.end(), cfg.chatd_args.begin(), cfg.chatd_args.end());
      break;
    }
    case server_kind::node:
      argv = {"node", (fs::path(cfg.source_dir) / "bench/reference/ws_room.js").string(), p};
      break;
    case server_kind::beast:
      argv = {build_beast_chat((fs::path(cfg.work_dir) / "beast").string()), "127.0.0.1", p,
              cfg.work_dir, std::to_string(cfg.server_threads)};
      break;
  }
  pid_ = ::fork();
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // a bench killed by a signal leaves no server behind
    if (cfg.server_cpu >= 0) {
      cpu_set_t set;
      CPU_ZERO(&set);
      CPU_SET(cfg.server_cpu, &set);
      ::sched_setaffinity(0, sizeof set, &set);
    }
    int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(a.data());
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + 60s;
  while (!accepts(port_)) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error(std::string(name_of(kind)) + " exited at start:\n" + log_tail());
    }
    if (std::chrono::steady_clock::now() > deadline)
      throw std::runtime_error(std::string(name_of(kind)) + " did not listen:\n" + log_tail());
    std::this_thread::sleep_for(20ms);
  }
}

target::~target() {
  stop_profile();
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
}

double target::cpu_seconds() const {
  std::ifstream f("/proc/" + std::to_string(pid_) + "/stat");
  std::string line;
  std::getline(f, line);
  auto rp = line.rfind(')');  // the command name may hold spaces
  if (rp == std::string::npos) return 0;
  std::istringstream in(line.substr(rp + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && in >> field; ++i)
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

long target::rss_kib() const {
  std::ifstream f("/proc/" + std::to_string(pid_) + "/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

double target::metric(const std::string& name) const {
  if (metrics_port_ == 0) return NAN;
  auto r = e2e::http_request(metrics_port_, "GET", "/metrics", {}, {}, 5s);
  if (r.status != 200) return NAN;
  double sum = 0;
  bool found = false;
  std::istringstream in(r.body);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name, 0) != 0) continue;
    auto rest = std::string_view(line).substr(name.size());
    if (!rest.empty() && rest[0] != ' ' && rest[0] != '{') continue;  // a longer name
    auto sp = line.rfind(' ');
    if (sp == std::string::npos) continue;
    sum += std::strtod(line.c_str() + sp + 1, nullptr);
    found = true;
  }
  return found ? sum : NAN;
}

void target::start_profile(const std::string& label) {
  if (perf_dir_.empty() || pid_ <= 0 || perf_pid_ > 0) return;
  fs::create_directories(perf_dir_);
  auto file =
      (fs::path(perf_dir_) / (std::string(name_of(kind_)) + "-" + label + ".data")).string();
  auto pid = std::to_string(pid_);
  perf_pid_ = ::fork();
  if (perf_pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGINT);
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    ::execlp("perf", "perf", "record", "-F", "999", "--call-graph", perf_call_graph_.c_str(), "-p",
             pid.c_str(), "-o", file.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  std::this_thread::sleep_for(300ms);  // perf attaches
}

void target::stop_profile() {
  if (perf_pid_ <= 0) return;
  ::kill(perf_pid_, SIGINT);  // perf writes its file on SIGINT
  ::waitpid(perf_pid_, nullptr, 0);
  perf_pid_ = -1;
}

int target::stop() {
  stop_profile();
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(20ms);
  }
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  pid_ = -1;
  return -1;
}

std::string target::log_tail() const {
  std::ifstream f(log_path_);
  std::stringstream ss;
  ss << f.rdbuf();
  auto s = ss.str();
  return s.size() > 4000 ? s.substr(s.size() - 4000) : s;
}

}  // namespace chat::bench
