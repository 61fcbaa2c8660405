// Prints protocol/fixture.json: build/apps/protocol_fixture > protocol/fixture.json
#include <cstdio>

#include "protocol/fixture.hpp"

int main() {
  const auto text = chat::protocol::wire_fixture_json();
  return std::fwrite(text.data(), 1, text.size(), stdout) == text.size() ? 0 : 1;
}
