#include "gateway/routes.hpp"

namespace chat::gateway {

namespace {

route serve(route_kind kind) {
  route r;
  r.kind = kind;
  return r;
}

route refuse(auth::http_error code, std::string_view message, bool close = false) {
  return {route_kind::refused, code, message, close};
}

}  // namespace

route route_of(const request_facts& r) {
  using auth::http_error;
  const bool read = r.method == "GET" || r.method == "HEAD";
  if (r.metrics_port) {
    if (r.path == "/healthz" && read) return serve(route_kind::healthz);
    if (r.path == "/metrics" && read) return serve(route_kind::metrics);
    return refuse(http_error::not_found, "only /metrics and /healthz");
  }
  if (r.upgrade) {
    if (r.path != "/ws") return refuse(http_error::not_found, "no WebSocket endpoint here", true);
    if (!r.accepting) return refuse(http_error::unavailable, "server shutting down", true);
    // A browser attaches the session cookie to upgrades from any page: only our own origin (and
    // the configured ones) may open a socket.
    if (!r.origin_allowed)
      return refuse(http_error::forbidden_origin, "this Origin may not open a WebSocket here",
                    true);
    return serve(route_kind::websocket);
  }
  if (r.path == "/healthz" && read) return serve(route_kind::healthz);
  if (r.path == "/metrics")  // only on --metrics-listen; never the web client's fallback page
    return refuse(http_error::not_found, "metrics are served on the --metrics-listen port only");
  if (r.path == "/ws")
    return refuse(http_error::upgrade_required, "GET /ws with a WebSocket upgrade");
  if (r.attachments) return serve(route_kind::attachments);
  if (r.auth_handles) return serve(route_kind::auth);
  if (r.path.starts_with("/api/") || r.path == "/api" || r.path.starts_with("/auth/"))
    return refuse(http_error::not_found, "no such endpoint");
  if (r.has_web_root && read) return serve(route_kind::static_file);
  if (!read) return refuse(http_error::method_not_allowed, "method not allowed");
  return refuse(http_error::not_found, "not found");
}

}  // namespace chat::gateway
