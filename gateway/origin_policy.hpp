#pragma once
// Which page may open a WebSocket with this server's session cookie (cross-site WebSocket
// hijacking: a browser attaches the cookie to an upgrade from any page). Browsers always send
// Origin on an upgrade; clients that are not browsers usually send none and carry their own token.
#include <string>
#include <string_view>
#include <vector>

namespace chat::gateway {

class origin_policy {
 public:
  /// `allowed`: extra origins ("https://chat.example.com"), compared after normalising.
  explicit origin_policy(std::vector<std::string> allowed = {});

  /// True when an upgrade with this Origin header (empty = none sent) may proceed: no Origin, the
  /// same origin as `host` (the Host header) over `tls` (https) or not (http), or an allowed one.
  /// `null` (sandboxed frames, file: pages) and every other origin are refused.
  bool allows(std::string_view origin, std::string_view host, bool tls) const;

  /// "scheme://host[:port]" lower-cased with the scheme's default port dropped; empty when
  /// `origin` is not of that shape (paths, user info, other schemes are not origins).
  static std::string normalise(std::string_view origin);

 private:
  std::vector<std::string> allowed_;
};

}  // namespace chat::gateway
