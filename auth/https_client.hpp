#pragma once
// A small blocking HTTP(S) client for talking to OpenID providers (discovery, JWKS, token
// endpoint): Beast over OpenSSL, certificates verified against the system store (plus an optional
// extra CA file), host name checked, timeouts and a response size bound. Plain HTTP only to a
// loopback host and only when allowed (dev/test issuers). Beast stays inside the .cpp.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chat::auth {

struct parsed_url {
  bool https = true;
  std::string host;
  std::string port;
  std::string target;  ///< path + query, at least "/"
};
/// http(s)://host[:port][/path]; nothing for anything else (userinfo, fragments are refused).
std::optional<parsed_url> parse_url(std::string_view url);
bool is_loopback_host(std::string_view host);

struct outbound_response {
  int status = 0;
  std::string content_type;
  std::string body;
};

struct outbound_result {
  std::optional<outbound_response> response;
  std::string error;  ///< one line when there is no response
};

class https_client {
 public:
  struct options {
    bool allow_http_loopback = false;
    std::string extra_ca_file;
    std::chrono::milliseconds timeout{10000};
    std::size_t max_body = 1 << 20;
  };
  explicit https_client(options opt);
  ~https_client();

  /// Blocking request. `headers` are added as given; never follows redirects.
  outbound_result request(std::string_view method, std::string_view url, std::string_view body = {},
                          const std::vector<std::pair<std::string, std::string>>& headers = {});
  /// Whether `url` may be fetched at all under these options (scheme and loopback rule).
  bool allowed(std::string_view url) const;

 private:
  struct impl;
  options opt_;
  std::unique_ptr<impl> impl_;
};

}  // namespace chat::auth
