#include "logging/logger.hpp"

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <map>
#include <memory>
#include <mutex>

namespace chat::logging {
namespace {

constexpr const char* pattern = "%Y-%m-%dT%H:%M:%S.%eZ %l %n: %v";

/// Every component's logger writes into this one sink: stderr plus whatever captures exist.
struct hub {
  std::mutex mu;
  std::shared_ptr<spdlog::sinks::dist_sink_mt> sink;
  std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> loggers;
  level lvl = level::info;

  hub() : sink(std::make_shared<spdlog::sinks::dist_sink_mt>()) {
    auto err = std::make_shared<spdlog::sinks::stderr_sink_mt>();
    err->set_formatter(
        std::make_unique<spdlog::pattern_formatter>(pattern, spdlog::pattern_time_type::utc));
    sink->add_sink(std::move(err));
  }
};

hub& the_hub() {
  static hub* h = new hub;  // never destroyed: static loggers in call sites outlive main()
  return *h;
}

class callback_sink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit callback_sink(capture::callback fn) : fn_(std::move(fn)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& m) override {
    fn_(m.level, std::string_view(m.logger_name.data(), m.logger_name.size()),
        std::string_view(m.payload.data(), m.payload.size()));
  }
  void flush_() override {}

 private:
  capture::callback fn_;
};

}  // namespace

std::optional<level> parse_level(std::string_view name) {
  for (auto l : {level::trace, level::debug, level::info, level::warn, level::err, level::critical,
                 level::off}) {
    auto n = spdlog::level::to_string_view(l);
    if (name == std::string_view(n.data(), n.size())) return l;
  }
  if (name == "warn") return level::warn;
  if (name == "error") return level::err;
  return std::nullopt;
}

void set_level(level lvl) {
  auto& h = the_hub();
  std::lock_guard lock(h.mu);
  h.lvl = lvl;
  for (auto& [_, lg] : h.loggers) lg->set_level(lvl);
}

spdlog::logger& get(std::string_view component) {
  auto& h = the_hub();
  std::lock_guard lock(h.mu);
  auto it = h.loggers.find(component);
  if (it == h.loggers.end()) {
    auto lg = std::make_shared<spdlog::logger>(std::string(component), h.sink);
    lg->set_level(h.lvl);
    lg->flush_on(level::trace);  // a line is on stderr before the call returns
    it = h.loggers.emplace(std::string(component), std::move(lg)).first;
  }
  return *it->second;
}

capture::capture(callback fn) {
  auto s = std::make_shared<callback_sink>(std::move(fn));
  the_hub().sink->add_sink(s);
  sink_ = s;
}

capture::~capture() {
  the_hub().sink->remove_sink(std::static_pointer_cast<callback_sink>(sink_));
}

}  // namespace chat::logging
