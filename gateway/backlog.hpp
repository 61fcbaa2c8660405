#pragma once
// What one WebSocket has queued but its socket has not accepted yet, and what to do about it.
// Pure logic (no Beast, no clock of its own) so the rules have fast unit tests; the session feeds
// it bytes and times. docs/protocol.md "Limits" and docs/operations.md state the defaults.
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace chat::gateway {

/// Per-connection outbound limits (all configurable, see gateway::config).
struct backlog_limits {
  /// Most bytes handed to the socket in one write (several frames coalesced).
  std::size_t batch_bytes = 64 * 1024;
  /// Above this many unaccepted bytes the connection's own reads pause (its requests wait in the
  /// kernel), and a sync replay waits; reading resumes below half of it.
  std::size_t throttle_bytes = 1024 * 1024;
  /// More unaccepted bytes than this: the client cannot keep up at all (close 4008).
  std::size_t max_bytes = 16 * 1024 * 1024;
  /// Bytes waiting and the socket accepted none of them for this long: close 4008.
  std::chrono::milliseconds stall_timeout{10'000};
  /// After 4008 the close frame gets this long to go out; then the socket is dropped.
  std::chrono::milliseconds close_grace{2'000};
};

class backlog {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  explicit backlog(const backlog_limits& l) : limits_(&l) {}

  /// A frame of n bytes was queued.
  void queued(std::size_t n) { bytes_ += n; }
  /// The socket accepted n bytes (a write completed) at `now`.
  void accepted(std::size_t n, time_point now) {
    bytes_ = n > bytes_ ? 0 : bytes_ - n;
    last_progress_ = now;
  }
  /// Queued frames were dropped (closing).
  void dropped(std::size_t n) { bytes_ = n > bytes_ ? 0 : bytes_ - n; }
  /// A write to the socket started at `now` while nothing was in flight.
  void write_started(time_point now) {
    if (bytes_in_flight_ == 0) last_progress_ = now;
  }
  void in_flight(std::size_t n) { bytes_in_flight_ = n; }

  std::size_t bytes() const { return bytes_; }
  bool over_max() const { return bytes_ > limits_->max_bytes; }
  /// Reads should pause (hysteresis: they resume once may_resume()).
  bool should_throttle() const { return bytes_ > limits_->throttle_bytes; }
  bool may_resume() const { return bytes_ <= limits_->throttle_bytes / 2; }
  /// Bytes wait and the socket took none for stall_timeout.
  bool stalled(time_point now) const {
    return bytes_ > 0 && bytes_in_flight_ > 0 && now - last_progress_ >= limits_->stall_timeout;
  }

 private:
  const backlog_limits* limits_;
  std::size_t bytes_ = 0;            ///< queued + in flight, not yet accepted by the socket
  std::size_t bytes_in_flight_ = 0;  ///< the write now running
  time_point last_progress_{};
};

}  // namespace chat::gateway
