// libFuzzer target over wire protocol v1: parse -> serialize -> parse must give back the same
// value, for requests and for server frames, and append_json_string must round-trip any valid
// UTF-8. Any crash, sanitizer report or mismatch aborts (scripts/fuzz.sh turns that into a
// failure).
#include <simdjson.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "protocol/limits.hpp"
#include "protocol/parser.hpp"
#include "protocol/serializer.hpp"

namespace {
using namespace chat::protocol;

[[noreturn]] void mismatch(const char* what, std::string_view input, const std::string& a,
                           const std::string& b) {
  std::fprintf(stderr, "round-trip mismatch (%s)\ninput: %.*s\nfirst: %s\nagain: %s\n", what,
               static_cast<int>(input.size()), input.data(), a.c_str(), b.c_str());
  std::abort();
}

void check_request(parser& p, std::string_view input) {
  auto first = p.parse(input);
  auto* req = std::get_if<request>(&first);
  if (req == nullptr) return;
  const std::string json = serialize(*req);
  // Escaping may lengthen a frame (U+2028 becomes six bytes); past the limit the re-parse would
  // rightly refuse it.
  if (json.size() > limits::max_frame_bytes) return;
  const request copy = *req;  // the parser's next call may reuse its buffers
  auto again = p.parse(json);
  auto* req2 = std::get_if<request>(&again);
  if (req2 == nullptr)
    mismatch("request re-parse failed", input, json, std::get<parse_error>(again).message);
  if (!(*req2 == copy)) mismatch("request differs", input, json, serialize(*req2));
  if (serialize(*req2) != json) mismatch("request text differs", input, json, serialize(*req2));
}

void check_server_frame(std::string_view input) {
  auto first = parse_server_frame(input);
  auto* f = std::get_if<server_frame>(&first);
  if (f == nullptr) return;
  const std::string json = serialize(*f);
  auto again = parse_server_frame(json);
  auto* f2 = std::get_if<server_frame>(&again);
  if (f2 == nullptr)
    mismatch("frame re-parse failed", input, json, std::get<parse_error>(again).message);
  if (!(*f2 == *f)) mismatch("frame differs", input, json, serialize(*f2));
}

void check_string_escaping(std::string_view input) {
  std::string json = R"({"type":"pong","ref":)";
  append_json_string(json, input);
  json += '}';
  auto r = parse_server_frame(json);
  auto* f = std::get_if<server_frame>(&r);
  if (f == nullptr) mismatch("escaped string is not valid JSON", input, json, "");
  // Valid UTF-8 must come back byte for byte; invalid bytes become U+FFFD.
  if (simdjson::validate_utf8(input.data(), input.size()) &&
      std::get<pong_frame>(*f).ref != input) {
    mismatch("escaped string differs", input, json, std::get<pong_frame>(*f).ref);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static parser p;  // reused like a connection's parser, so state leaks would show
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  check_request(p, input);
  check_server_frame(input);
  if (size <= 4096) check_string_escaping(input);
  return 0;
}
