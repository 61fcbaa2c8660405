#pragma once
#include <string>
#include <string_view>
#include <variant>

#include "protocol/messages.hpp"

namespace chat::protocol {

/// A frame that could not become a request: the code, a one-line message, and the request id if
/// it could be read (so the error frame can name it).
struct parse_error {
  error_code code;
  std::string message;
  std::string ref;
};

using parse_result = std::variant<request, parse_error>;

/// Turns one untrusted text frame into a typed request. Never throws; never reads past `frame`.
/// Reuse one parser per connection (it keeps simdjson buffers).
class parser {
 public:
  parser();
  ~parser();
  parser(const parser&) = delete;
  parser& operator=(const parser&) = delete;
  parse_result parse(std::string_view frame);

 private:
  struct impl;
  impl* impl_;
};

/// Request id of a request (every request has one).
const std::string& request_id(const request& r);

}  // namespace chat::protocol

namespace chat::protocol {

using server_parse_result = std::variant<server_frame, parse_error>;
/// Parses a server frame (for test clients, bench clients and round-trip fuzzing). Never throws.
server_parse_result parse_server_frame(std::string_view frame);
/// Reads what serialize_attachments wrote (empty for "" or anything unreadable). Never throws.
std::vector<attachment_info> parse_attachments(std::string_view json);

}  // namespace chat::protocol
