#pragma once
// Where the bytes a client sent stand against WebSocket frame boundaries (RFC 6455 section 5.2),
// counted from what the stream layer handed to Beast. It answers one question Beast's stream
// does not: does the WebSocket stream hold any unread byte? Only when it holds none may an idle
// session stop reading and wait for the socket to become readable, so that an idle connection
// keeps no read operation and no read buffer (gateway/coalescing_stream.hpp). Pure logic: headers
// are parsed only for their lengths; Beast still validates every frame.
#include <cstddef>
#include <cstdint>

namespace chat::gateway {

class frame_tracker {
 public:
  /// n more bytes were handed to the WebSocket stream, in order.
  void feed(const unsigned char* p, std::size_t n);
  /// The session read one whole data message (text or binary).
  void message_taken() { ++taken_; }

  /// Every byte fed belongs to a message the session has taken: nothing waits in the stream.
  bool at_rest() const { return since_message_end_ == 0 && complete_ == taken_ && !in_frame(); }
  /// Fed bytes end between frames, outside a fragmented message, and every whole message was
  /// taken: if the stream asks for more now, it has consumed everything fed (control frames).
  bool between_messages() const { return !in_frame() && !in_message_ && complete_ == taken_; }
  /// A close frame came: the stream is closing, no read waits any more.
  bool close_seen() const { return close_seen_; }

  std::uint64_t messages_complete() const { return complete_; }

 private:
  bool in_frame() const { return header_len_ > 0 || payload_left_ > 0; }
  std::size_t header_needed() const;
  void end_frame();

  unsigned char header_[14] = {};
  std::size_t header_len_ = 0;
  std::uint64_t payload_left_ = 0;
  std::uint64_t since_message_end_ = 0;  ///< bytes fed after the end of the last whole message
  std::uint64_t complete_ = 0, taken_ = 0;
  unsigned char opcode_ = 0;
  bool fin_ = false;
  bool in_message_ = false;  ///< a data frame without FIN came: continuations follow
  bool close_seen_ = false;
};

}  // namespace chat::gateway
