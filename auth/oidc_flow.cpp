#include "auth/oidc_flow.hpp"

#include "auth/service_impl.hpp"

namespace chat::auth {

oidc_flow::oidc_flow(service_impl& svc) : svc_(svc), providers_(svc.cfg().providers) {}
oidc_flow::~oidc_flow() = default;

}  // namespace chat::auth
