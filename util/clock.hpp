#pragma once
// The one wall clock. Code that needs time takes a util::clock so tests can move it.
#include <chrono>
#include <cstdint>
#include <functional>

namespace chat::util {

/// Unix time in milliseconds, from the system clock.
inline std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

/// Milliseconds on a monotonic clock (durations, timeouts; not a date).
inline std::int64_t steady_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count();
}

/// A source of unix milliseconds; empty means the system clock.
using clock = std::function<std::int64_t()>;

/// The time on `c`, or on the system clock when `c` is empty.
inline std::int64_t now_ms(const clock& c) {
  return c ? c() : now_ms();
}

}  // namespace chat::util
