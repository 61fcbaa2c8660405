#pragma once
// Rate-limited reporting of faults that answer a client `unavailable` (database gone, frozen, full
// disk, pool exhausted): every fault is counted, but each source writes at most one log line per
// interval, which says how many faults it folded in. A dead database must leave a trace without
// flooding the log.
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

namespace chat::persistence {

class outage_log {
 public:
  using clock = std::chrono::steady_clock;
  explicit outage_log(std::chrono::milliseconds every = std::chrono::seconds(5)) : every_(every) {}

  /// Counts one fault of `source`; the line to write now, or nothing when `source` wrote one less
  /// than `every` ago. Thread-safe.
  std::optional<std::string> record(std::string_view source, std::string_view message,
                                    clock::time_point now = clock::now());
  /// Faults counted so far, all sources.
  std::int64_t total() const;

 private:
  struct entry {
    clock::time_point last_line{};
    std::int64_t folded = 0;  ///< faults since the last line
    bool logged = false;
  };
  std::chrono::milliseconds every_;
  mutable std::mutex mu_;
  std::map<std::string, entry, std::less<>> by_source_;
  std::int64_t total_ = 0;
};

}  // namespace chat::persistence
