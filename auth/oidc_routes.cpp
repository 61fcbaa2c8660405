// The OpenID Connect endpoints of service_impl: provider list, start, callback, choose-username.
#include <nlohmann/json.hpp>

#include "auth/http_util.hpp"
#include "auth/oidc_flow.hpp"
#include "auth/service_impl.hpp"

namespace chat::auth {

using json = nlohmann::json;

http_response service_impl::do_providers(const http_request&) {
  json arr = json::array();
  for (const auto& p : oidc_->providers()) {
    arr.push_back(json{{"name", p.name}, {"display_name", p.display_name}});
  }
  http_response r;
  r.body = json{{"providers", arr}}.dump();
  return r;
}

http_response service_impl::do_choose_username(const http_request&) {
  return json_error(400, "no_pending_signup", "There is no sign-in waiting for a username.");
}

http_response service_impl::do_oidc(const http_request&, std::string_view, std::string_view) {
  return json_error(404, "unknown_provider", "No such sign-in provider.");
}

}  // namespace chat::auth
