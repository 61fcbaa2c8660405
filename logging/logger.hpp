#pragma once
// The one logger of chatd (shaped after VAST's vast/logger.hpp): spdlog behind a few macros.
// Every line goes to stderr as "<UTC time> <level> <component>: <message>", written whole, so
// lines from different threads never interleave. Lines never carry secrets.
//
//   CHAT_LOG_INFO("gateway", "listening on {}:{}", host, port);
//
// The component must be a string literal (each call site looks its logger up once).
#include <spdlog/spdlog.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace chat::logging {

using level = spdlog::level::level_enum;

/// "trace", "debug", "info", "warn", "error", "critical" or "off"; nothing for anything else.
std::optional<level> parse_level(std::string_view name);

/// The lowest level written, for every component (default info). Thread-safe.
void set_level(level lvl);

/// The logger of one component ("chatd", "gateway", "auth", ...), created on first use.
spdlog::logger& get(std::string_view component);

/// Also hands every written line to `fn` while it lives (tests read what was logged). The
/// callback gets the level, the component and the message, and may be called from any thread.
class capture {
 public:
  using callback = std::function<void(level, std::string_view component, std::string_view msg)>;
  explicit capture(callback fn);
  ~capture();
  capture(const capture&) = delete;
  capture& operator=(const capture&) = delete;

 private:
  std::shared_ptr<void> sink_;
};

}  // namespace chat::logging

#define CHAT_LOG_AT(lvl, component, ...)                                       \
  do {                                                                         \
    static ::spdlog::logger& chat_log_here_ = ::chat::logging::get(component); \
    if (chat_log_here_.should_log(lvl)) chat_log_here_.log(lvl, __VA_ARGS__);  \
  } while (false)

#define CHAT_LOG_TRACE(component, ...) CHAT_LOG_AT(::spdlog::level::trace, component, __VA_ARGS__)
#define CHAT_LOG_DEBUG(component, ...) CHAT_LOG_AT(::spdlog::level::debug, component, __VA_ARGS__)
#define CHAT_LOG_INFO(component, ...) CHAT_LOG_AT(::spdlog::level::info, component, __VA_ARGS__)
#define CHAT_LOG_WARN(component, ...) CHAT_LOG_AT(::spdlog::level::warn, component, __VA_ARGS__)
#define CHAT_LOG_ERROR(component, ...) CHAT_LOG_AT(::spdlog::level::err, component, __VA_ARGS__)
