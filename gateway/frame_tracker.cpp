#include "gateway/frame_tracker.hpp"

#include <algorithm>

namespace chat::gateway {

std::size_t frame_tracker::header_needed() const {
  // Byte 1: the mask bit and a 7-bit length; 126 and 127 announce 2 and 8 more length bytes.
  const unsigned len7 = header_[1] & 0x7f;
  const bool masked = (header_[1] & 0x80) != 0;
  return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8 : 0) + (masked ? 4 : 0);
}

void frame_tracker::feed(const unsigned char* p, std::size_t n) {
  while (n > 0) {
    if (payload_left_ > 0) {
      auto take = static_cast<std::size_t>(std::min<std::uint64_t>(payload_left_, n));
      p += take;
      n -= take;
      since_message_end_ += take;
      payload_left_ -= take;
      if (payload_left_ == 0) end_frame();
      continue;
    }
    header_[header_len_++] = *p++;
    --n;
    ++since_message_end_;
    if (header_len_ < 2 || header_len_ < header_needed()) continue;
    fin_ = (header_[0] & 0x80) != 0;
    opcode_ = header_[0] & 0x0f;
    const unsigned len7 = header_[1] & 0x7f;
    std::uint64_t len = len7;
    if (len7 >= 126) {
      const std::size_t bytes = len7 == 126 ? 2 : 8;
      len = 0;
      for (std::size_t i = 0; i < bytes; ++i) len = (len << 8) | header_[2 + i];
    }
    header_len_ = 0;
    payload_left_ = len;
    if (len == 0) end_frame();
  }
}

void frame_tracker::end_frame() {
  // Opcodes 0 (continuation), 1 (text), 2 (binary) carry data; 8 is close; 9, 10 ping, pong.
  if (opcode_ <= 2) {
    in_message_ = !fin_;
    if (fin_) {
      ++complete_;
      since_message_end_ = 0;
    }
  } else if (opcode_ == 8) {
    close_seen_ = true;
  }
}

}  // namespace chat::gateway
