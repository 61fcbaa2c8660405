#pragma once
// A fresh database (SQLite file, or a private MySQL database) with migrations applied, and an
// auth::service on it with a test clock, fast hashing and a captured log.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "auth/service.hpp"
#include "logging/logger.hpp"
#include "tests/support/scratch_database.hpp"

namespace chat::auth::test {

/// The backends a test runs on: always "sqlite"; "mysql" when CHAT_TEST_MYSQL_URL is set (or
/// required by CHAT_REQUIRE_MYSQL=1: the fixture then fails the test).
using test_support::backends;

class fixture {
 public:
  /// Fails the test (REQUIRE) when the database or service cannot be made.
  explicit fixture(const std::string& backend, const std::function<void(config&)>& tweak = {});
  ~fixture();

  service& svc() { return *svc_; }
  std::string db_url() const { return db_.url(); }

  http_response request(std::string method, std::string target, std::string body = "",
                        std::string cookie = "", std::string ip = "10.0.0.1",
                        std::string authorization = "");
  http_response post(const std::string& target, const nlohmann::json& body,
                     const std::string& cookie = "", const std::string& ip = "10.0.0.1") {
    return request("POST", target, body.dump(), cookie, ip);
  }
  /// Registers and returns the session token from the Set-Cookie header (REQUIREs 201).
  std::string register_user(const std::string& name, const std::string& password = "correct horse");

  std::atomic<std::int64_t> now{1'700'000'000'000};
  std::vector<std::string> logs() const;

 private:
  test_support::scratch_database db_;  // declared first: outlives the service
  mutable std::mutex log_mu_;
  std::vector<std::string> logs_;
  logging::capture capture_;  // the "auth" component's lines, into logs_
  std::unique_ptr<service> svc_;
};

/// Value of the first header `name`, or empty.
std::string header(const http_response& r, const std::string& name);
/// The chatd_session token of a Set-Cookie header value, or nothing.
std::optional<std::string> cookie_token(const http_response& r);
/// "chatd_session=<token>" for a Cookie header.
std::string cookie_of(const std::string& token);
nlohmann::json body_json(const http_response& r);

}  // namespace chat::auth::test
