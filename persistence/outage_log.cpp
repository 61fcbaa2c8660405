#include "persistence/outage_log.hpp"

#include <fmt/format.h>

namespace chat::persistence {

std::optional<std::string> outage_log::record(std::string_view source, std::string_view message,
                                              clock::time_point now) {
  std::lock_guard lock(mu_);
  ++total_;
  auto it = by_source_.find(source);
  if (it == by_source_.end()) it = by_source_.emplace(std::string(source), entry{}).first;
  auto& e = it->second;
  if (e.logged && now - e.last_line < every_) {
    ++e.folded;
    return std::nullopt;
  }
  auto line = e.folded > 0 ? fmt::format("unavailable: {}: {} ({} more since the last line)",
                                         source, message, e.folded)
                           : fmt::format("unavailable: {}: {}", source, message);
  e.logged = true;
  e.last_line = now;
  e.folded = 0;
  return line;
}

std::int64_t outage_log::total() const {
  std::lock_guard lock(mu_);
  return total_;
}

}  // namespace chat::persistence
