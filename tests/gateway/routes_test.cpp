#include "gateway/routes.hpp"

#include <catch2/catch.hpp>

using namespace chat::gateway;
using chat::auth::http_error;

namespace {

request_facts get(std::string_view path) {
  request_facts f;
  f.method = "GET";
  f.path = path;
  f.has_web_root = true;
  return f;
}

request_facts upgrade(std::string_view path) {
  auto f = get(path);
  f.upgrade = true;
  return f;
}

}  // namespace

TEST_CASE("The public port serves health, auth, the web client and refuses the rest by name",
          "[gateway][routes]") {
  CHECK(route_of(get("/healthz")).kind == route_kind::healthz);
  auto head = get("/healthz");
  head.method = "HEAD";
  CHECK(route_of(head).kind == route_kind::healthz);
  // /metrics is never served here, not even as the web client's fallback page.
  auto m = route_of(get("/metrics"));
  CHECK(m.kind == route_kind::refused);
  CHECK(m.error == http_error::not_found);
  CHECK_FALSE(m.close);
  CHECK(route_of(get("/ws")).error == http_error::upgrade_required);
  auto file = get("/api/attachments/0123");
  CHECK(route_of(file).error == http_error::not_found);  // attachments off
  file.attachments = true;
  CHECK(route_of(file).kind == route_kind::attachments);
  auto login = get("/api/login");
  login.method = "POST";
  login.auth_handles = true;
  CHECK(route_of(login).kind == route_kind::auth);
  // Under /api/ and /auth/ without a handler: 404, never the web client's page.
  for (auto path : {"/api", "/api/nothing", "/auth/x"}) {
    auto r = route_of(get(path));
    CHECK(r.kind == route_kind::refused);
    CHECK(r.error == http_error::not_found);
  }
  CHECK(route_of(get("/")).kind == route_kind::static_file);
  CHECK(route_of(get("/c/12")).kind == route_kind::static_file);
  auto post = get("/");
  post.method = "POST";
  CHECK(route_of(post).error == http_error::method_not_allowed);
  auto bare = get("/");
  bare.has_web_root = false;
  CHECK(route_of(bare).error == http_error::not_found);
}

TEST_CASE("An upgrade opens a WebSocket only on /ws, while accepting, from an allowed origin",
          "[gateway][routes]") {
  CHECK(route_of(upgrade("/ws")).kind == route_kind::websocket);
  auto elsewhere = route_of(upgrade("/chat"));
  CHECK(elsewhere.error == http_error::not_found);
  CHECK(elsewhere.close);
  auto stopping = upgrade("/ws");
  stopping.accepting = false;
  CHECK(route_of(stopping).error == http_error::unavailable);
  CHECK(route_of(stopping).close);
  auto foreign = upgrade("/ws");
  foreign.origin_allowed = false;
  CHECK(route_of(foreign).error == http_error::forbidden_origin);
  CHECK(route_of(foreign).close);
}

TEST_CASE("The metrics port serves /metrics and /healthz only", "[gateway][routes]") {
  auto on_metrics = [](request_facts f) {
    f.metrics_port = true;
    return route_of(f);
  };
  CHECK(on_metrics(get("/metrics")).kind == route_kind::metrics);
  CHECK(on_metrics(get("/healthz")).kind == route_kind::healthz);
  for (auto f : {get("/"), get("/api/me"), upgrade("/ws")}) {
    auto r = on_metrics(f);
    CHECK(r.kind == route_kind::refused);
    CHECK(r.error == http_error::not_found);
    CHECK_FALSE(r.close);
  }
  auto post = get("/metrics");
  post.method = "POST";
  CHECK(on_metrics(post).error == http_error::not_found);
}
