#pragma once
// protocol/fixture.json: the wire tables (protocol/wire.hpp), the limits, the error codes with
// their retry advice and example frames written by the serializer, as one JSON document for
// other clients' tests (the web client's unit tests read it). apps/protocol_fixture writes it;
// chat_protocol_tests fails when the committed file is not what this function returns.
#include <string>

namespace chat::protocol {

/// The fixture's text (stable order, two-space indentation, a final newline).
std::string wire_fixture_json();

}  // namespace chat::protocol
