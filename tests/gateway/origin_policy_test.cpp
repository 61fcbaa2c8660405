#include "gateway/origin_policy.hpp"

#include <catch2/catch.hpp>

using chat::gateway::origin_policy;

TEST_CASE("Upgrades from the same origin or an allowed one pass, null and cross-site do not",
          "[gateway][origin]") {
  origin_policy p({"https://Chat.Example.com/"});
  // No Origin: not a browser (browsers always send one), so no ambient-cookie risk.
  CHECK(p.allows("", "127.0.0.1:8080", false));
  CHECK(p.allows("http://127.0.0.1:8080", "127.0.0.1:8080", false));
  CHECK(p.allows("HTTP://LOCALHOST:8080", "localhost:8080", false));
  CHECK(p.allows("https://chat.example.com", "internal:8080", false));
  CHECK(p.allows("https://chat.example.com:443", "internal:8080", false));
  CHECK(p.allows("https://app.example.org", "app.example.org:443", true));
  CHECK(p.allows("http://app.example.org", "app.example.org", false));
  // Refused: null, another port, another host, the wrong scheme, things that are not origins.
  CHECK_FALSE(p.allows("null", "127.0.0.1:8080", false));
  CHECK_FALSE(p.allows("http://127.0.0.1:3000", "127.0.0.1:8080", false));
  CHECK_FALSE(p.allows("http://evil.example", "127.0.0.1:8080", false));
  CHECK_FALSE(p.allows("http://app.example.org", "app.example.org", true));
  CHECK_FALSE(p.allows("https://app.example.org", "app.example.org", false));
  CHECK_FALSE(p.allows("file://", "127.0.0.1:8080", false));
  CHECK_FALSE(p.allows("http://user@127.0.0.1:8080", "127.0.0.1:8080", false));
  CHECK_FALSE(p.allows("http://127.0.0.1:8080/path", "127.0.0.1:8080", false));
  CHECK_FALSE(p.allows("http://127.0.0.1:8080", "", false));
}
