#include <catch2/catch.hpp>

#include "protocol/error_code.hpp"

using namespace chat::protocol;

TEST_CASE("every error code has a distinct wire name that maps back to it", "[protocol]") {
  for (int i = 0; i <= static_cast<int>(error_code::internal); ++i) {
    const auto c = static_cast<error_code>(i);
    const auto name = to_string(c);
    INFO(name);
    REQUIRE_FALSE(name.empty());
    REQUIRE(error_code_from_string(name) == c);
  }
  CHECK(to_string(error_code::bad_json) == "bad_json");
  CHECK(to_string(error_code::number_out_of_range) == "number_out_of_range");
  CHECK(to_string(error_code::internal) == "internal");
}

TEST_CASE("unknown error code names are rejected", "[protocol]") {
  CHECK_FALSE(error_code_from_string("").has_value());
  CHECK_FALSE(error_code_from_string("BAD_JSON").has_value());
  CHECK_FALSE(error_code_from_string("no_such_code").has_value());
}

TEST_CASE("only transient errors are retryable", "[protocol]") {
  CHECK(is_retryable(error_code::rate_limited));
  CHECK(is_retryable(error_code::unavailable));
  CHECK(is_retryable(error_code::internal));
  CHECK(is_retryable(error_code::too_many_connections));
  CHECK_FALSE(is_retryable(error_code::bad_json));
  CHECK_FALSE(is_retryable(error_code::body_too_long));
  CHECK_FALSE(is_retryable(error_code::not_member));
  CHECK_FALSE(is_retryable(error_code::unsupported_version));
  CHECK_FALSE(is_retryable(error_code::not_authenticated));
}
