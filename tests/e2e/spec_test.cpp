// Places where docs/protocol.md, docs/http-api.md and docs/operations.md once disagreed with the
// server: each case pins the documented behaviour.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <ctime>

#include "protocol/limits.hpp"
#include "tests/e2e/harness.hpp"

using namespace chat;
using namespace chat::e2e;

namespace {

/// Sends `raw` on a fresh TCP connection and returns what comes back until the server closes
/// (or 5 s pass).
std::string raw_http(std::uint16_t port, const std::string& raw) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    return {};
  }
  (void)::send(fd, raw.data(), raw.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    auto n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

std::unique_ptr<chat_client> credential_less(std::uint16_t port) {
  auto r = ws_client::connect(port);
  REQUIRE(r.client);
  return std::make_unique<chat_client>(std::move(r.client));
}

}  // namespace

TEST_CASE("Malformed HTTP requests get 400, not a silent drop", "[e2e]") {
  chatd_server srv(db_kind::sqlite);
  const char* bad[] = {
      "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
      "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: "
      "chunked\r\n\r\n0\r\n\r\n",
      "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n",
  };
  for (const char* req : bad) {
    auto answer = raw_http(srv.port(), req);
    INFO("request: " << req << "\nanswer: " << answer);
    CHECK(answer.rfind("HTTP/1.1 400", 0) == 0);
  }
}

TEST_CASE("The first frame of a credential-less socket: its own error, then close 4001", "[e2e]") {
  chatd_server srv(db_kind::sqlite);
  {  // a token over 4096 bytes is bad_field (its length), not not_authenticated
    auto c = credential_less(srv.port());
    c->send_raw(R"({"type":"hello","id":"h1","version":1,"token":")" + std::string(4097, 'a') +
                R"("})");
    CHECK(c->expect_error("h1").code == protocol::error_code::bad_field);
    CHECK(c->wait_closed() == 4001);
  }
}

TEST_CASE("Invalid UTF-8 closes with 1007; a frame declared over 128 KiB closes with 1009",
          "[e2e]") {
  chatd_server srv(db_kind::sqlite);
  auto alice = register_user(srv.port(), "alice");
  {
    auto c = chat_client::open(srv.port(), alice);
    c->send_raw("{\"type\":\"ping\",\"id\":\"\xff\xfe\"}");
    CHECK(c->wait_closed() == 1007);
  }
  {
    auto c = chat_client::open(srv.port(), alice);
    c->send_raw(std::string(200 * 1024, ' '));
    CHECK(c->wait_closed() == 1009);
  }
}

TEST_CASE("welcome.session_expires names the session's expiry, for a token and for a cookie",
          "[e2e]") {
  chatd_server srv(db_kind::sqlite, {"--session-ttl", "2h"});
  auto alice = register_user(srv.port(), "alice");
  auto token = login_token(srv.port(), "alice");
  // ISO 8601 UTC to the second, about two hours (the TTL) from now.
  auto check = [](const std::string& expires) {
    INFO(expires);
    std::tm tm{};
    auto end = ::strptime(expires.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    REQUIRE(end != nullptr);
    CHECK(*end == '\0');
    const auto in_s =
        static_cast<long long>(::timegm(&tm)) - static_cast<long long>(std::time(nullptr));
    CHECK(in_s > 2 * 3600 - 120);
    CHECK(in_s <= 2 * 3600 + 5);
  };
  auto by_token = credential_less(srv.port());
  by_token->send(protocol::hello_req{"h1", protocol::protocol_version, token});
  check(by_token->expect<protocol::welcome_frame>().session_expires);
  auto r = ws_client::connect(srv.port(), {{"Cookie", "chatd_session=" + alice.cookie}});
  REQUIRE(r.client);
  chat_client by_cookie(std::move(r.client));
  by_cookie.send(protocol::hello_req{"h2", protocol::protocol_version, std::nullopt});
  check(by_cookie.expect<protocol::welcome_frame>().session_expires);
}
