// The admin listener on real sockets: file mode, token checks, one running chatd per socket.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "admin/listener.hpp"

using namespace chat::admin;

namespace {

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    char tmpl[] = "/tmp/chatd-admin-XXXXXX";
    REQUIRE(::mkdtemp(tmpl));
    path = tmpl;
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
};

int connect_unix(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

int connect_tcp(std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

/// Sends one line and reads answer lines up to the final one (or EOF); each line a JSON value.
std::vector<json> round_trip(int fd, const std::string& line) {
  std::string out = line + "\n";
  REQUIRE(::send(fd, out.data(), out.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(out.size()));
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::vector<json> lines;
  std::string buf;
  char chunk[4096];
  while (true) {
    auto nl = buf.find('\n');
    if (nl != std::string::npos) {
      lines.push_back(json::parse(buf.substr(0, nl)));
      buf.erase(0, nl + 1);
      if (lines.back().contains("ok")) return lines;
      continue;
    }
    auto n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return lines;
    buf.append(chunk, static_cast<std::size_t>(n));
  }
}

listener_config on(std::string path) {
  listener_config c;
  c.socket_path = std::move(path);
  return c;
}

/// Echoes the command and emits `n` items first.
handler echo(std::atomic<int>& calls) {
  return [&calls](const request& r, reply_sink& out) {
    ++calls;
    for (int i = 0; i < r.args.value("items", 0); ++i) out.emit(item_line(i));
    out.emit(ok_line({{"cmd", r.cmd}}));
  };
}

}  // namespace

TEST_CASE("The admin socket is 0600, answers in order, and goes away on stop", "[admin]") {
  temp_dir dir;
  auto path = (dir.path / "a.sock").string();
  std::atomic<int> calls{0};
  auto l = listener::start(on(path), echo(calls));
  REQUIRE(l);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK(S_ISSOCK(st.st_mode));
  CHECK((st.st_mode & 0777) == 0600);
  int fd = connect_unix(path);
  REQUIRE(fd >= 0);
  auto lines = round_trip(fd, R"({"cmd":"one","args":{"items":3}})");
  REQUIRE(lines.size() == 4);
  CHECK(lines[2]["item"] == 2);
  CHECK(lines[3]["result"]["cmd"] == "one");
  // A second request on the same connection; then garbage gets an error, not a closed socket.
  CHECK(round_trip(fd, R"({"cmd":"two"})").back()["result"]["cmd"] == "two");
  CHECK(round_trip(fd, "not json").back()["error"]["code"] == "bad_request");
  CHECK(round_trip(fd, R"({"cmd":"three"})").back()["result"]["cmd"] == "three");
  ::close(fd);
  (*l)->stop();
  CHECK_FALSE(std::filesystem::exists(path));
  CHECK(calls == 3);
}

TEST_CASE("A second listener on a live socket is refused; a stale socket is replaced", "[admin]") {
  temp_dir dir;
  auto path = (dir.path / "a.sock").string();
  std::atomic<int> calls{0};
  auto first = listener::start(on(path), echo(calls));
  REQUIRE(first);
  auto second = listener::start(on(path), echo(calls));
  REQUIRE_FALSE(second);
  CHECK(second.err().message.find("in use") != std::string::npos);
  (*first)->stop();
  // A socket file nobody listens on (a chatd that was killed) is taken over.
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  ::close(fd);
  auto third = listener::start(on(path), echo(calls));
  REQUIRE(third);
  // A regular file at the path is not ours to delete.
  (*third)->stop();
  { std::ofstream(path) << "x"; }
  CHECK_FALSE(listener::start(on(path), echo(calls)));
  CHECK(std::filesystem::exists(path));
  CHECK_FALSE(listener::start(on(std::string(200, 'x')), echo(calls)));
}

TEST_CASE("The TCP admin listener answers only requests with the token", "[admin]") {
  std::atomic<int> calls{0};
  listener_config cfg;
  cfg.tcp_host = "127.0.0.1";
  cfg.token = std::string(64, 'a');
  auto l = listener::start(cfg, echo(calls));
  REQUIRE(l);
  REQUIRE((*l)->tcp_port() != 0);
  int fd = connect_tcp((*l)->tcp_port());
  REQUIRE(fd >= 0);
  auto bad = round_trip(fd, R"({"cmd":"status","token":")" + std::string(64, 'b') + "\"}");
  REQUIRE(bad.size() == 1);
  CHECK(bad[0]["error"]["code"] == "unauthorized");
  // The connection is closed after a wrong token.
  char c;
  CHECK(::recv(fd, &c, 1, 0) == 0);
  ::close(fd);
  fd = connect_tcp((*l)->tcp_port());
  CHECK(round_trip(fd, R"({"cmd":"status"})").back()["error"]["code"] == "unauthorized");
  ::close(fd);
  fd = connect_tcp((*l)->tcp_port());
  auto good = round_trip(fd, R"({"cmd":"status","token":")" + cfg.token + "\"}");
  CHECK(good.back()["result"]["cmd"] == "status");
  ::close(fd);
  CHECK(calls == 1);
  cfg.token.clear();
  CHECK_FALSE(listener::start(cfg, echo(calls)));
}

TEST_CASE("An over-long request line closes the admin connection with bad_request", "[admin]") {
  temp_dir dir;
  auto path = (dir.path / "a.sock").string();
  std::atomic<int> calls{0};
  auto l = listener::start(on(path), echo(calls));
  REQUIRE(l);
  int fd = connect_unix(path);
  auto lines = round_trip(fd, std::string(max_request_bytes + 10, 'x'));
  REQUIRE(!lines.empty());
  CHECK(lines.back()["error"]["code"] == "bad_request");
  ::close(fd);
  CHECK(calls == 0);
}
