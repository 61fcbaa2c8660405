#include "oidc_provider.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include <nlohmann/json.hpp>

#ifndef CHAT_OIDC_DIR
#error "CHAT_OIDC_DIR must name tests/oidc"
#endif

namespace chat::auth::test {
namespace {

struct provider_process {
  pid_t pid = -1;
  int stdin_fd = -1;
  std::string issuer;
  std::string ca;       // TLS mode: the CA that signed the provider's certificate
  std::string tls_dir;  // TLS mode: where that CA lives (removed at exit)
  std::string error;
  ~provider_process() {
    if (pid > 0) {
      ::close(stdin_fd);  // the provider exits when its stdin closes
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
    if (!tls_dir.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(tls_dir, ec);
    }
  }
};

std::string read_line(int fd) {
  std::string line;
  char c;
  while (::read(fd, &c, 1) == 1 && c != '\n') line.push_back(c);
  return line;
}

void launch(provider_process& p, bool tls);

provider_process& instance(bool tls = false) {
  static provider_process plain, secure;
  static std::once_flag plain_once, secure_once;
  provider_process& p = tls ? secure : plain;
  std::call_once(tls ? secure_once : plain_once, [&] { launch(p, tls); });
  return p;
}

void launch(provider_process& p, bool tls) {
  {
    const std::filesystem::path dir = CHAT_OIDC_DIR;
    if (!std::filesystem::exists(dir / "node_modules" / "oidc-provider")) {
      p.error = "tests/oidc/node_modules missing: run scripts/oidc-provider.sh setup";
      return;
    }
    int in[2], out[2];
    if (::pipe(in) != 0 || ::pipe(out) != 0) {
      p.error = "pipe failed";
      return;
    }
    const std::string script = (dir / "provider.mjs").string();
    const std::string redirect_rs = std::string(oidc_test_base) + "/auth/oidc/rs/callback";
    const std::string redirect_es = std::string(oidc_test_base) + "/auth/oidc/es/callback";
    const std::string redirect_bad = std::string(oidc_test_base) + "/auth/oidc/badsecret/callback";
    if (tls) {
      p.tls_dir =
          (std::filesystem::temp_directory_path() / ("chat_oidc_tls_" + std::to_string(::getpid())))
              .string();
    }
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::dup2(in[0], 0);
      ::dup2(out[1], 1);
      ::close(in[1]);
      ::close(out[0]);
      std::vector<std::string> argv{"node",           script,      "--redirect-uri", redirect_rs,
                                    "--redirect-uri", redirect_es, "--redirect-uri", redirect_bad};
      if (tls) {
        argv.push_back("--tls");
        argv.push_back(p.tls_dir);
      }
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execvp("node", args.data());
      std::perror("exec node");
      ::_exit(127);
    }
    ::close(in[0]);
    ::close(out[1]);
    p.pid = pid;
    p.stdin_fd = in[1];
    const std::string line = read_line(out[0]);
    ::close(out[0]);
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.contains("issuer")) {
      p.error = "the provider did not start (is node installed?): " + line;
      return;
    }
    p.issuer = j["issuer"];
    if (j.contains("ca") && j["ca"].is_string()) p.ca = j["ca"];
  }
}

}  // namespace

std::optional<std::string> oidc_issuer() {
  auto& p = instance();
  if (p.issuer.empty()) return std::nullopt;
  return p.issuer;
}

std::string oidc_unavailable_reason() {
  return instance().error;
}

std::optional<std::pair<std::string, std::string>> oidc_tls_issuer() {
  auto& p = instance(true);
  if (p.issuer.empty()) return std::nullopt;
  return std::make_pair(p.issuer, p.ca);
}

std::pair<int, std::string> run_capture(const std::vector<std::string>& argv) {
  int out[2];
  if (::pipe(out) != 0) return {-1, ""};
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(out[1], 1);
    ::close(out[0]);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  ::close(out[1]);
  std::string text;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(out[0], buf, sizeof buf)) > 0) text.append(buf, std::size_t(n));
  ::close(out[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

std::optional<std::string> drive_login(const std::string& authorization_url,
                                       const std::string& login) {
  const std::string driver = (std::filesystem::path(CHAT_OIDC_DIR) / "drive.mjs").string();
  auto [rc, out] = run_capture({"node", driver, authorization_url, login, oidc_test_base});
  if (rc != 0) return std::nullopt;
  return out;
}

}  // namespace chat::auth::test
