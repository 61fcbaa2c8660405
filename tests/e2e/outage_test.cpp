// chatd while its database is cut or frozen (MariaDB behind a proxy the test controls): session
// checks say "try again" instead of "signed out", and every wait ends in bounded time.
#include <chrono>
#include <thread>
#include <nlohmann/json.hpp>

#include "protocol/limits.hpp"
#include "tests/e2e/harness.hpp"
#include "tests/support/tcp_proxy.hpp"

using namespace chat;
using namespace chat::e2e;
using test_support::tcp_proxy;

namespace {

struct proxied_chatd {
  tcp_proxy proxy{std::string(test_support::mysql_url())};
  chatd_server srv{
      db_kind::mysql, {}, [this](const std::string& url) { return proxy.url_through(url); }};
};

void require_503(const ws_client::result& r) {
  INFO(r.http_status << " " << r.body << " " << r.error);
  REQUIRE_FALSE(r.client);
  REQUIRE(r.http_status == 503);
  REQUIRE(r.body.find("\"unavailable\"") != std::string::npos);
}

/// A credential-less upgrade whose hello token cannot be checked: error unavailable, close 1013.
void require_hello_unavailable(std::uint16_t port, const std::string& token) {
  auto r = ws_client::connect(port);
  REQUIRE(r.client);
  chat_client c(std::move(r.client));
  c.send(protocol::hello_req{"h1", protocol::protocol_version, token});
  CHECK(c.expect_error("h1").code == protocol::error_code::unavailable);
  CHECK(c.wait_closed() == 1013);
}

}  // namespace

TEST_CASE("While the database is unreachable, sessions are unavailable (503), never signed out",
          "[e2e][mysql]") {
  if (!mysql_enabled()) return;
  proxied_chatd p;
  auto port = p.srv.port();
  auto alice = register_user(port, "alice");
  auto token = login_token(port, "alice");

  p.proxy.down();
  require_503(ws_client::connect(port, {{"Cookie", "chatd_session=" + alice.cookie}}));
  require_503(ws_client::connect(port, {{"Authorization", "Bearer " + token}}));
  require_hello_unavailable(port, token);
  auto me = http_request(port, "GET", "/api/me", {}, {{"Cookie", "chatd_session=" + alice.cookie}});
  CHECK(me.status == 503);
  CHECK(me.header("Retry-After") == "1");
  auto log = p.srv.proc().log();
  CHECK(log.find("auth: unavailable: auth") != std::string::npos);

  p.proxy.up();
  auto c = chat_client::open(port, alice);  // the same session works again
  CHECK(http_request(port, "GET", "/api/me", {}, {{"Cookie", "chatd_session=" + alice.cookie}})
            .status == 200);
}

TEST_CASE("A frozen database yields unavailable in bounded time: upgrades, hello, sends",
          "[e2e][mysql]") {
  if (!mysql_enabled()) return;
  proxied_chatd p;
  auto port = p.srv.port();
  auto alice = register_user(port, "alice");
  register_user(port, "bob");
  auto token = login_token(port, "alice");
  auto a = chat_client::open(port, alice);
  auto conv = a->open_direct("bob");
  auto first = a->send_message(conv, "m1", "before the freeze");

  p.proxy.freeze();
  using clock = std::chrono::steady_clock;
  // A send: no ack can come, so it must be `unavailable` (resend later with the same id).
  auto t0 = clock::now();
  a->send(protocol::send_req{"s2", conv, "m2", "during the freeze"});
  auto err = a->expect_error("s2");
  auto send_wait = clock::now() - t0;
  CHECK(err.code == protocol::error_code::unavailable);
  CHECK(send_wait < 20s);
  // Upgrades: 503 within the auth wait (5 s) plus slack for a loaded machine.
  t0 = clock::now();
  require_503(ws_client::connect(port, {{"Cookie", "chatd_session=" + alice.cookie}}, 20s));
  CHECK(clock::now() - t0 < 9s);
  t0 = clock::now();
  require_hello_unavailable(port, token);
  CHECK(clock::now() - t0 < 9s);

  p.proxy.thaw();
  // The resend with the same client_msg_id is acked once; the log has no gap.
  auto deadline = clock::now() + 30s;
  std::optional<protocol::ack_frame> ack;
  for (int i = 0; !ack && clock::now() < deadline; ++i) {
    auto id = "r" + std::to_string(i);
    a->send(protocol::send_req{id, conv, "m2", "during the freeze"});
    auto f = a->next(10s);
    while (f) {
      if (auto* k = std::get_if<protocol::ack_frame>(&*f); k && k->ref == id) {
        ack = *k;
        break;
      }
      if (auto* e = std::get_if<protocol::error_frame>(&*f); e && e->ref == id) break;
      f = a->next(10s);
    }
    if (!ack) std::this_thread::sleep_for(500ms);
  }
  REQUIRE(ack);
  CHECK(ack->seq == first.seq + 1);  // stored once, right after m1
  auto h = a->history(conv, std::nullopt, std::nullopt, 50);
  REQUIRE(h.events.size() == static_cast<std::size_t>(ack->seq));
  for (std::size_t i = 0; i < h.events.size(); ++i)
    CHECK(h.events[i].seq == static_cast<protocol::id_t>(i + 1));  // no gap
  CHECK(h.events.back().body == "during the freeze");
}
