#include "persistence/result.hpp"

namespace chat::persistence {

const char* to_string(errc code) noexcept {
  switch (code) {
    case errc::duplicate:
      return "duplicate";
    case errc::seq_conflict:
      return "seq_conflict";
    case errc::not_found:
      return "not_found";
    case errc::unavailable:
      return "unavailable";
    case errc::bad_config:
      return "bad_config";
    case errc::migration_mismatch:
      return "migration_mismatch";
    case errc::internal:
      return "internal";
  }
  return "unknown";
}

}  // namespace chat::persistence
