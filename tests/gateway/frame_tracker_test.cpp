#include "gateway/frame_tracker.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using chat::gateway::frame_tracker;

namespace {

using bytes = std::vector<unsigned char>;

/// A client frame as RFC 6455 lays it out (masked unless told otherwise; the payload is not
/// actually masked: the tracker reads lengths only).
bytes frame(unsigned opcode, bool fin, std::size_t payload, bool masked = true) {
  bytes b;
  b.push_back(static_cast<unsigned char>((fin ? 0x80 : 0) | opcode));
  const unsigned char mask = masked ? 0x80 : 0;
  if (payload < 126) {
    b.push_back(static_cast<unsigned char>(mask | payload));
  } else if (payload < 65536) {
    b.push_back(mask | 126);
    b.push_back(static_cast<unsigned char>(payload >> 8));
    b.push_back(static_cast<unsigned char>(payload));
  } else {
    b.push_back(mask | 127);
    for (int shift = 56; shift >= 0; shift -= 8)
      b.push_back(static_cast<unsigned char>(static_cast<std::uint64_t>(payload) >> shift));
  }
  if (masked)
    for (int i = 0; i < 4; ++i) b.push_back(0x5a);
  b.insert(b.end(), payload, 'x');
  return b;
}

bytes operator+(bytes a, const bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

void feed(frame_tracker& t, const bytes& b) {
  t.feed(b.data(), b.size());
}

constexpr unsigned text = 1, binary = 2, continuation = 0, close_op = 8, ping = 9, pong = 10;

}  // namespace

TEST_CASE("A tracker is at rest before any byte and after each message the session took",
          "[gateway]") {
  frame_tracker t;
  CHECK(t.at_rest());
  feed(t, frame(text, true, 40));
  CHECK_FALSE(t.at_rest());  // the stream holds a message nobody read yet
  CHECK(t.messages_complete() == 1);
  t.message_taken();
  CHECK(t.at_rest());
}

TEST_CASE("A frame split at every byte is tracked like one fed whole", "[gateway]") {
  for (std::size_t payload : {0u, 5u, 125u, 126u, 300u, 70000u}) {
    auto f = frame(text, true, payload);
    for (std::size_t cut = 1; cut < f.size(); cut += (f.size() > 400 ? 97 : 1)) {
      frame_tracker t;
      t.feed(f.data(), cut);
      CHECK(t.messages_complete() == 0);
      CHECK_FALSE(t.between_messages());
      t.feed(f.data() + cut, f.size() - cut);
      CHECK(t.messages_complete() == 1);
      t.message_taken();
      CHECK(t.at_rest());
    }
  }
}

TEST_CASE("Two messages in one read leave the second waiting in the stream", "[gateway]") {
  frame_tracker t;
  feed(t, frame(text, true, 10) + frame(binary, true, 200));
  CHECK(t.messages_complete() == 2);
  t.message_taken();
  CHECK_FALSE(t.at_rest());
  CHECK_FALSE(t.between_messages());
  t.message_taken();
  CHECK(t.at_rest());
}

TEST_CASE("A control frame after a message keeps the stream from rest until it is read",
          "[gateway]") {
  frame_tracker t;
  feed(t, frame(text, true, 10) + frame(pong, true, 4));
  t.message_taken();
  // The pong sits in Beast's buffer: waiting for the socket now would leave it unread.
  CHECK_FALSE(t.at_rest());
  // But when the stream asks for more bytes it has consumed the pong: between messages.
  CHECK(t.between_messages());
  feed(t, frame(ping, true, 0));
  CHECK(t.between_messages());
  CHECK_FALSE(t.close_seen());
}

TEST_CASE("A fragmented message is one message, control frames between its fragments",
          "[gateway]") {
  frame_tracker t;
  feed(t, frame(text, false, 30));
  CHECK_FALSE(t.between_messages());
  feed(t, frame(ping, true, 2));
  CHECK_FALSE(t.between_messages());  // still inside the message
  feed(t, frame(continuation, false, 300));
  CHECK(t.messages_complete() == 0);
  feed(t, frame(continuation, true, 1));
  CHECK(t.messages_complete() == 1);
  t.message_taken();
  CHECK(t.at_rest());
}

TEST_CASE("A close frame is noticed, and unmasked or empty frames are measured right",
          "[gateway]") {
  frame_tracker t;
  feed(t, frame(text, true, 0));  // the smallest message: six bytes
  CHECK(t.messages_complete() == 1);
  t.message_taken();
  feed(t, frame(text, true, 200, false));  // unmasked (Beast refuses it; lengths still hold)
  CHECK(t.messages_complete() == 2);
  t.message_taken();
  CHECK(t.at_rest());
  feed(t, frame(close_op, true, 2));
  CHECK(t.close_seen());
}
