#pragma once
// The real OpenID provider of tests/oidc (npm oidc-provider), started once per test binary on
// 127.0.0.1 and a free port, and the driver that plays its login and consent pages.
#include <optional>
#include <string>
#include <vector>

namespace chat::auth::test {

/// Our public base URL in these tests: the provider redirects there; the test catches the redirect.
inline constexpr const char* oidc_test_base = "http://127.0.0.1:9";

/// The issuer URL of the running provider, starting it on first use. Nothing when node or the
/// npm packages are missing (the caller WARNs and skips, or FAILs when CHAT_REQUIRE_OIDC=1).
std::optional<std::string> oidc_issuer();
/// A second provider serving HTTPS with a certificate for "localhost" from a throw-away CA:
/// (issuer, path of the CA's PEM).
std::optional<std::pair<std::string, std::string>> oidc_tls_issuer();
/// Why oidc_issuer() failed.
std::string oidc_unavailable_reason();
/// Follows `authorization_url` as user `login`; returns the callback URL the provider redirected
/// to, or the driver's error as nothing.
std::optional<std::string> drive_login(const std::string& authorization_url,
                                       const std::string& login);
/// Runs argv, returns stdout (trimmed) and the exit status.
std::pair<int, std::string> run_capture(const std::vector<std::string>& argv);

}  // namespace chat::auth::test
