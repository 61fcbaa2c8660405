#pragma once
// The one table of what the gateway serves: which HTTP request goes where, and which are refused
// with which error from auth/http_error.hpp. Plain C++ (no Beast): the session gathers the facts,
// this decides, so every path has a fast unit test (tests/gateway/routes_test.cpp).
#include <string_view>

#include "auth/http_error.hpp"

namespace chat::gateway {

/// The facts about one request that decide its route.
struct request_facts {
  std::string_view method;     ///< "GET", "HEAD", "POST", ...
  std::string_view path;       ///< the target without its query
  bool upgrade = false;        ///< a WebSocket upgrade
  bool metrics_port = false;   ///< arrived on --metrics-listen (serves /metrics, /healthz only)
  bool accepting = true;       ///< false while the server shuts down
  bool origin_allowed = true;  ///< upgrades: origin_policy allows the page that asks
  bool auth_handles = false;   ///< auth::service::handles(target)
  bool attachments = false;    ///< attachments are on and attachment_service::handles(path)
  bool has_web_root = false;   ///< static files are configured
};

enum class route_kind {
  healthz,      ///< 200 "ok"
  metrics,      ///< the registry's text exposition
  websocket,    ///< hand the socket to a websocket_session
  auth,         ///< auth::service answers (on the blocking pool)
  attachments,  ///< attachment_service answers (on its own pool)
  static_file,  ///< the web client's files (GET, HEAD)
  refused,      ///< an error answer: `error`, `message`
};

struct route {
  route_kind kind = route_kind::refused;
  auth::http_error error = auth::http_error::not_found;  ///< refused: which error
  std::string_view message;                              ///< refused: the body's message
  bool close = false;  ///< refused: close the connection afterwards (refused upgrades)
};

route route_of(const request_facts& r);

}  // namespace chat::gateway
