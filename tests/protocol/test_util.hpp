#pragma once
// Helpers shared by the protocol tests.
#include <catch2/catch.hpp>

#include <string>
#include <string_view>

#include "protocol/parser.hpp"
#include "protocol/serializer.hpp"

namespace chat::protocol::test {

/// Parses a request that must be valid.
inline request parse_ok(std::string_view frame) {
  parser p;
  auto r = p.parse(frame);
  if (auto* e = std::get_if<parse_error>(&r)) {
    FAIL_CHECK("unexpected error " << to_string(e->code) << ": " << e->message << " for " << frame);
    return ping_req{};
  }
  return std::get<request>(r);
}

/// Parses a request that must fail; returns the error.
inline parse_error parse_err(std::string_view frame) {
  parser p;
  auto r = p.parse(frame);
  if (auto* e = std::get_if<parse_error>(&r)) return *e;
  FAIL_CHECK("expected an error, got " << serialize(std::get<request>(r)) << " for " << frame);
  return parse_error{error_code::internal, {}, {}};
}

inline error_code code_of(std::string_view frame) {
  return parse_err(frame).code;
}

inline server_frame server_ok(std::string_view frame) {
  auto r = parse_server_frame(frame);
  if (auto* e = std::get_if<parse_error>(&r)) {
    FAIL_CHECK("unexpected error " << to_string(e->code) << ": " << e->message << " for " << frame);
    return pong_frame{};
  }
  return std::get<server_frame>(r);
}

}  // namespace chat::protocol::test
