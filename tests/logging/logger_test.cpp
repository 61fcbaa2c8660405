#include "logging/logger.hpp"

#include <catch2/catch.hpp>

#include <mutex>
#include <string>
#include <vector>

using namespace chat;

namespace {

struct line {
  logging::level lvl;
  std::string component, message;
};

struct recorder {
  std::mutex mu;
  std::vector<line> lines;
  logging::capture cap{[this](logging::level l, std::string_view c, std::string_view m) {
    std::lock_guard lock(mu);
    lines.push_back({l, std::string(c), std::string(m)});
  }};
};

}  // namespace

TEST_CASE("Log levels parse from their names and nothing else", "[logging]") {
  CHECK(logging::parse_level("trace") == logging::level::trace);
  CHECK(logging::parse_level("debug") == logging::level::debug);
  CHECK(logging::parse_level("info") == logging::level::info);
  CHECK(logging::parse_level("warn") == logging::level::warn);
  CHECK(logging::parse_level("warning") == logging::level::warn);
  CHECK(logging::parse_level("error") == logging::level::err);
  CHECK(logging::parse_level("off") == logging::level::off);
  CHECK_FALSE(logging::parse_level("INFO"));
  CHECK_FALSE(logging::parse_level(""));
  CHECK_FALSE(logging::parse_level("verbose"));
}

TEST_CASE("A captured line carries its level, component and formatted message", "[logging]") {
  recorder r;
  CHAT_LOG_WARN("test-a", "{} + {} = {}", 1, 2, 3);
  CHAT_LOG_INFO("test-b", "plain");
  REQUIRE(r.lines.size() == 2);
  CHECK(r.lines[0].lvl == logging::level::warn);
  CHECK(r.lines[0].component == "test-a");
  CHECK(r.lines[0].message == "1 + 2 = 3");
  CHECK(r.lines[1].component == "test-b");
  CHECK(r.lines[1].message == "plain");
}

TEST_CASE("Lines below the set level are not written, for loggers old and new", "[logging]") {
  recorder r;
  CHAT_LOG_INFO("test-old", "before");
  logging::set_level(logging::level::warn);
  CHAT_LOG_INFO("test-old", "hidden");
  CHAT_LOG_INFO("test-new", "hidden too");
  CHAT_LOG_ERROR("test-new", "shown");
  logging::set_level(logging::level::info);
  CHAT_LOG_DEBUG("test-old", "debug stays hidden at info");
  REQUIRE(r.lines.size() == 2);
  CHECK(r.lines[0].message == "before");
  CHECK(r.lines[1].message == "shown");
  CHECK(r.lines[1].lvl == logging::level::err);
}

TEST_CASE("A capture sees nothing after it ends", "[logging]") {
  std::vector<std::string> seen;
  {
    logging::capture c(
        [&](logging::level, std::string_view, std::string_view m) { seen.emplace_back(m); });
    CHAT_LOG_INFO("test-c", "inside");
  }
  CHAT_LOG_INFO("test-c", "outside");
  REQUIRE(seen.size() == 1);
  CHECK(seen[0] == "inside");
}
