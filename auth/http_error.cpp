#include "auth/http_error.hpp"

#include <nlohmann/json.hpp>

namespace chat::auth {

std::optional<http_error> http_error_named(std::string_view name) {
  for (const auto& e : http_errors)
    if (e.name == name) return e.code;
  return std::nullopt;
}

std::string error_body(http_error e, std::string_view message) {
  nlohmann::json j{{"error", name_of(e)}, {"message", message}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace chat::auth
