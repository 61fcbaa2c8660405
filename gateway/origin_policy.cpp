#include "gateway/origin_policy.hpp"

#include <algorithm>

namespace chat::gateway {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool authority_chars(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
  });
}

/// "host[:port]" without the default port of `scheme`.
std::string strip_default_port(std::string authority, std::string_view scheme) {
  const std::string_view def = scheme == "https" ? ":443" : ":80";
  if (authority.size() > def.size() && authority.ends_with(def))
    authority.resize(authority.size() - def.size());
  return authority;
}

}  // namespace

origin_policy::origin_policy(std::vector<std::string> allowed) {
  for (const auto& a : allowed) {
    auto n = normalise(a);
    if (!n.empty()) allowed_.push_back(std::move(n));
  }
}

std::string origin_policy::normalise(std::string_view origin) {
  const auto sep = origin.find("://");
  if (sep == std::string_view::npos) return {};
  const std::string scheme = lower(origin.substr(0, sep));
  if (scheme != "http" && scheme != "https") return {};
  std::string_view authority = origin.substr(sep + 3);
  if (authority.ends_with('/')) authority.remove_suffix(1);  // tolerated in configuration
  if (!authority_chars(authority)) return {};
  return scheme + "://" + strip_default_port(lower(authority), scheme);
}

bool origin_policy::allows(std::string_view origin, std::string_view host, bool tls) const {
  if (origin.empty()) return true;
  const std::string o = normalise(origin);
  if (o.empty()) return false;  // "null" and anything that is not an http(s) origin
  if (std::find(allowed_.begin(), allowed_.end(), o) != allowed_.end()) return true;
  if (!authority_chars(host)) return false;
  const std::string_view scheme = tls ? "https" : "http";
  return o == std::string(scheme) + "://" + strip_default_port(lower(host), scheme);
}

}  // namespace chat::gateway
