#include "fixture.hpp"

#include <catch2/catch.hpp>

namespace chat::auth::test {

fixture::fixture(const std::string& backend, const std::function<void(config&)>& tweak)
    : db_(backend, true, "chat_auth"),
      capture_([this](logging::level, std::string_view component, std::string_view line) {
        if (component != "auth") return;
        std::lock_guard lock(log_mu_);
        logs_.emplace_back(line);
      }) {
  REQUIRE(db_.available());
  config cfg;
  cfg.db_url = db_.url();
  cfg.fast_password_hashing = true;
  cfg.db_pool_size = 2;
  cfg.now_ms = [this] { return now.load(); };
  cfg.public_base_url = "http://127.0.0.1:9";
  if (tweak) tweak(cfg);
  auto s = service::create(std::move(cfg));
  if (!s) FAIL("service::create " << s.err().message);
  svc_ = std::move(s).value();
}

fixture::~fixture() {
  svc_.reset();  // before db_ (the first member) removes the database
}

http_response fixture::request(std::string method, std::string target, std::string body,
                               std::string cookie, std::string ip, std::string authorization) {
  http_request req;
  req.method = std::move(method);
  req.target = std::move(target);
  req.body = std::move(body);
  req.cookie = std::move(cookie);
  req.remote_ip = std::move(ip);
  req.authorization = std::move(authorization);
  req.user_agent = "auth_tests";
  req.host = "127.0.0.1";
  if (!req.body.empty()) req.content_type = "application/json";
  return svc_->handle(req);
}

std::string fixture::register_user(const std::string& name, const std::string& password) {
  auto r = post("/api/register", {{"username", name}, {"password", password}});
  INFO(r.body);
  REQUIRE(r.status == 201);
  auto t = cookie_token(r);
  REQUIRE(t);
  return *t;
}

std::vector<std::string> fixture::logs() const {
  std::lock_guard lock(log_mu_);
  return logs_;
}

std::string header(const http_response& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (k == name) return v;
  }
  return {};
}

std::optional<std::string> cookie_token(const http_response& r) {
  const std::string v = header(r, "Set-Cookie");
  const std::string prefix = "chatd_session=";
  if (v.rfind(prefix, 0) != 0) return std::nullopt;
  const auto end = v.find(';');
  std::string t = v.substr(prefix.size(), end - prefix.size());
  if (t.empty()) return std::nullopt;
  return t;
}

std::string cookie_of(const std::string& token) {
  return "chatd_session=" + token;
}

nlohmann::json body_json(const http_response& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_discarded()) FAIL("response body is not JSON: " << r.body);
  return j;
}

}  // namespace chat::auth::test
