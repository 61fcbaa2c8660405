#pragma once
// The admin protocol (docs/admin.md): one JSON object per line, '\n'-terminated, both ways.
// A request is {"cmd": "...", "args": {...}, "token": "..."}; its answer is zero or more
// {"item": ...} lines followed by exactly one final line, {"ok": true, "result": ...} or
// {"ok": false, "error": {"code": "...", "message": "..."}}. Pure: no sockets here.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace chat::admin {

using json = nlohmann::json;

/// Longest request line the server reads; longer ones close the connection.
inline constexpr std::size_t max_request_bytes = 64 * 1024;
/// Longest reply line chatctl reads (an item or final line, e.g. one exported event).
inline constexpr std::size_t max_reply_line_bytes = 16 * 1024 * 1024;

/// Error codes of a final line; chatctl maps them to exit codes.
namespace codes {
inline constexpr std::string_view bad_request = "bad_request";
inline constexpr std::string_view unauthorized = "unauthorized";
inline constexpr std::string_view unknown_command = "unknown_command";
inline constexpr std::string_view not_found = "not_found";
inline constexpr std::string_view unavailable = "unavailable";
inline constexpr std::string_view internal = "internal";
}  // namespace codes

struct request {
  std::string cmd;
  json args = json::object();
  std::string token;  ///< only meaningful on the TCP listener
};

/// A parsed request, or the error line that explains why not.
struct parsed_request {
  std::optional<request> req;
  std::string error;  ///< set when req is empty
};
parsed_request parse_request(std::string_view line);

/// One line each, without the trailing '\n' (the transport adds it).
std::string request_line(const request& r);
std::string item_line(const json& item);
std::string ok_line(const json& result);
std::string error_line(std::string_view code, std::string_view message);

/// A JSON text that never throws on bad UTF-8 (replaced with U+FFFD).
std::string dump(const json& j);

/// Thrown by the argument helpers below; the dispatcher turns it into a bad_request line.
struct bad_argument {
  std::string message;
};
/// A string argument (required unless a fallback is given).
std::string arg_string(const json& args, const char* key,
                       std::optional<std::string> fallback = std::nullopt);
/// An integer argument within [lo, hi].
std::int64_t arg_int(const json& args, const char* key, std::int64_t lo, std::int64_t hi,
                     std::optional<std::int64_t> fallback = std::nullopt);

}  // namespace chat::admin
