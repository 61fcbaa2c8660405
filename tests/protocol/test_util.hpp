#pragma once
// Helpers shared by the protocol tests.
#include <catch2/catch.hpp>

#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "protocol/parser.hpp"
#include "protocol/serializer.hpp"

namespace chat::protocol::test {

/// The ```json blocks of a Markdown file (the spec's examples), in order.
inline std::vector<std::string> json_blocks(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> blocks;
  std::string line, cur;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && line.rfind("```json", 0) == 0) {
      inside = true;
      cur.clear();
    } else if (inside && line.rfind("```", 0) == 0) {
      inside = false;
      blocks.push_back(cur);
    } else if (inside) {
      cur += line + "\n";
    }
  }
  return blocks;
}

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
