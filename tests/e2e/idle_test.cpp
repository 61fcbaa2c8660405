// Idle WebSockets: between messages the server holds no read on a connection and waits for the
// socket to become readable (gateway/coalescing_stream.hpp). These cases check that control
// frames, keep-alive pings and the idle timeout still work in that state.
#include <thread>

#include "tests/e2e/harness.hpp"

using namespace chat;
using namespace chat::e2e;

namespace {

/// The next frame must be the pong for a fresh protocol ping: nothing stray before it.
void expect_pong_next(chat_client& c) {
  auto id = c.next_id();
  c.send(protocol::ping_req{id});
  auto f = c.next(10s);
  REQUIRE(f);
  INFO("got " << frame_name(*f));
  auto* pong = std::get_if<protocol::pong_frame>(&*f);
  REQUIRE(pong);
  CHECK(pong->ref == id);
}

}  // namespace

TEST_CASE("An idle connection answers WebSocket pings and its next request gets no stray frame",
          "[e2e]") {
  chatd_server srv(db_kind::sqlite);
  auto alice = register_user(srv.port(), "alice");
  auto c = chat_client::open(srv.port(), alice);
  c->drain(300ms);  // idle from here
  for (int round = 1; round <= 3; ++round) {
    // A ping alone, then quiet: the server reads it, answers, and goes back to waiting.
    REQUIRE(c->ws().send_ping());
    std::this_thread::sleep_for(200ms);
    REQUIRE(c->ws().send_ping());
    std::this_thread::sleep_for(200ms);
    expect_pong_next(*c);
    CHECK(c->ws().pongs_seen() == 2 * round);
  }
  CHECK_FALSE(c->closed());
}

TEST_CASE("An idle client that answers keep-alive pings stays, and a silent one is closed",
          "[e2e]") {
  chatd_server srv(db_kind::sqlite, {"--ws-idle-timeout", "2s"});
  auto alice = register_user(srv.port(), "alice");
  auto bob = register_user(srv.port(), "bob");
  auto a = chat_client::open(srv.port(), alice);
  auto b = chat_client::open(srv.port(), bob);
  // Alice only reads (her client answers the server's pings); Bob reads nothing, so never pongs.
  auto until = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < until && !a->closed()) a->next(250ms);
  CHECK_FALSE(a->closed());
  CHECK(a->ws().pings_seen() >= 2);  // pinged at half the idle timeout
  expect_pong_next(*a);
  b->wait_closed(10s);
  CHECK(b->closed());
}
