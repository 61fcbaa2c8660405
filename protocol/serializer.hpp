#pragma once
#include <string>

#include "protocol/messages.hpp"

namespace chat::protocol {

/// Writes a server frame as compact JSON (valid UTF-8 in, escaped correctly out).
std::string serialize(const server_frame& f);
/// Writes a client request as JSON (used by tests, fuzz round trips, bench clients).
std::string serialize(const request& r);

/// A message's attachments as a JSON array ("" for none): the form the event log stores.
std::string serialize_attachments(const std::vector<attachment_info>& list);
/// Appends s as a JSON string literal (quotes included) to out.
void append_json_string(std::string& out, std::string_view s);

}  // namespace chat::protocol
