// What a hostile page or a stranger on the network cannot do: open /ws with the cookie from
// another origin, frame the web client, read /metrics on the public port, hold unbounded sockets.
#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <thread>

#include "protocol/limits.hpp"
#include "tests/e2e/harness.hpp"

using namespace chat;
using namespace chat::e2e;

TEST_CASE("Only our own origin (and allowed ones) may open /ws; null and cross-site get 403",
          "[e2e]") {
  chatd_server srv(db_kind::sqlite, {"--allowed-origin", "https://chat.example.com"});
  auto alice = register_user(srv.port(), "alice");
  const std::string cookie = "chatd_session=" + alice.cookie;
  const std::string self = "http://127.0.0.1:" + std::to_string(srv.port());
  for (const char* bad :
       {"http://evil.example", "null", "http://127.0.0.1:1", "https://127.0.0.1"}) {
    auto r = ws_client::connect(srv.port(), {{"Cookie", cookie}, {"Origin", bad}});
    INFO("Origin " << bad << ": " << r.http_status << " " << r.body);
    CHECK_FALSE(r.client);
    CHECK(r.http_status == 403);
    CHECK(r.body.find("forbidden_origin") != std::string::npos);
  }
  for (const std::string& good : {self, std::string("https://chat.example.com")}) {
    auto r = ws_client::connect(srv.port(), {{"Cookie", cookie}, {"Origin", good}});
    INFO("Origin " << good << ": " << r.http_status << " " << r.body);
    CHECK(r.client);
  }
  // Clients that are not browsers send no Origin and keep working.
  CHECK(ws_client::connect(srv.port(), {{"Cookie", cookie}}).client);
  auto m = http_request(srv.metrics_port(), "GET", "/metrics");
  CHECK(m.body.find("chatd_ws_refused_total{reason=\"origin\"} 4") != std::string::npos);
}

TEST_CASE("HTML pages carry CSP, frame and referrer policies; /metrics is loopback-only", "[e2e]") {
  namespace fs = std::filesystem;
  auto root = fs::temp_directory_path() / ("chatd-csp-" + std::to_string(::getpid()));
  fs::create_directories(root);
  std::ofstream(root / "index.html") << "<!doctype html><title>chat</title>";
  std::ofstream(root / "main-2XQTKZ4Y.js") << "console.log(1)";
  struct cleanup {
    fs::path p;
    ~cleanup() {
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } guard{root};
  chatd_server srv(db_kind::sqlite, {"--web-root", root.string()});
  auto index = http_request(srv.port(), "GET", "/");
  REQUIRE(index.status == 200);
  auto csp = index.header("Content-Security-Policy");
  CHECK(csp.find("default-src 'self'") != std::string::npos);
  CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(csp.find("object-src 'none'") != std::string::npos);
  CHECK(index.header("X-Frame-Options") == "DENY");
  CHECK(index.header("Referrer-Policy") == "same-origin");
  auto js = http_request(srv.port(), "GET", "/main-2XQTKZ4Y.js");
  CHECK(js.header("X-Content-Type-Options") == "nosniff");
  CHECK(js.header("Referrer-Policy") == "same-origin");

  CHECK(http_request(srv.port(), "GET", "/metrics").status == 404);
  REQUIRE(srv.metrics_port() != 0);
  CHECK(http_request(srv.metrics_port(), "GET", "/metrics").status == 200);
}

TEST_CASE("chatd refuses a --metrics-listen address that is not loopback", "[e2e]") {
  test_database db(db_kind::sqlite);
  chatd_process p(CHATD_BINARY,
                  {"--listen", "127.0.0.1:0", "--db", db.url(), "--metrics-listen", "0.0.0.0:0"});
  CHECK_FALSE(p.wait_listening(std::chrono::seconds(20)));
  // Refused by the settings (exit 2) before the gateway would refuse it too.
  CHECK(p.log().find("--metrics-listen is refused on the non-loopback address") !=
        std::string::npos);
}

TEST_CASE("Connections from one address beyond the cap are closed at accept", "[e2e]") {
  chatd_server srv(db_kind::sqlite, {"--max-connections-per-ip", "3"});
  auto alice = register_user(srv.port(), "alice");
  const headers cookie{{"Cookie", "chatd_session=" + alice.cookie}};
  std::vector<std::unique_ptr<ws_client>> held;
  for (int i = 0; i < 3; ++i) {
    auto r = ws_client::connect(srv.port(), cookie, 10s, "127.0.0.9");
    REQUIRE(r.client);
    held.push_back(std::move(r.client));
  }
  CHECK_FALSE(ws_client::connect(srv.port(), cookie, 5s, "127.0.0.9").client);
  // Another address is not affected, and a freed place is usable again.
  CHECK(ws_client::connect(srv.port(), cookie, 10s, "127.0.0.10").client);
  held.pop_back();
  bool again = false;
  for (int i = 0; i < 50 && !again; ++i) {
    again = static_cast<bool>(ws_client::connect(srv.port(), cookie, 5s, "127.0.0.9").client);
    if (!again) std::this_thread::sleep_for(100ms);
  }
  CHECK(again);
  auto m = http_request(srv.metrics_port(), "GET", "/metrics");
  CHECK(m.body.find("chatd_connections_refused_per_ip_total ") != std::string::npos);
  CHECK(m.body.find("chatd_connections_refused_per_ip_total 0") == std::string::npos);
}

TEST_CASE("A user's connections share one database budget; another user is unaffected", "[e2e]") {
  // Three lists in the burst, and almost no refill while the test runs.
  chatd_server srv(db_kind::sqlite, {"--db-work-burst", "12", "--db-work-per-second", "0.01"});
  auto alice = register_user(srv.port(), "alice");
  auto bob = register_user(srv.port(), "bob");
  auto laptop = chat_client::open(srv.port(), alice);
  auto phone = chat_client::open(srv.port(), alice);
  auto other = chat_client::open(srv.port(), bob);
  auto list = [](chat_client& c) {
    auto id = c.next_id();
    c.send(protocol::list_conversations_req{id});
    for (;;) {
      auto f = c.next(10s);
      REQUIRE(f);
      if (auto* page = std::get_if<protocol::conversations_frame>(&*f); page && page->ref == id)
        return std::string("page");
      if (auto* e = std::get_if<protocol::error_frame>(&*f); e && e->ref == id)
        return std::string(protocol::to_string(e->code));
    }
  };
  CHECK(list(*laptop) == "page");
  CHECK(list(*phone) == "page");
  CHECK(list(*laptop) == "page");
  // Spent by the two connections together: both are refused now.
  CHECK(list(*phone) == "rate_limited");
  CHECK(list(*laptop) == "rate_limited");
  // Bob's budget is his own.
  for (int i = 0; i < 3; ++i) CHECK(list(*other) == "page");
  CHECK(list(*other) == "rate_limited");
  // Refused lookups close nothing: both of Alice's sockets still answer.
  for (auto* c : {laptop.get(), phone.get()}) {
    auto id = c->next_id();
    c->send(protocol::ping_req{id});
    c->expect<protocol::pong_frame>([&](auto& f) { return f.ref == id; });
    CHECK_FALSE(c->closed());
  }
}
