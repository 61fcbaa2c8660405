#include "fixture.hpp"

#include <fmt/format.h>
#include <soci/soci.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <random>

#include "persistence/database.hpp"
#include "persistence/migrations.hpp"

namespace chat::auth::test {
namespace {

std::string random_suffix() {
  std::random_device rd;
  return fmt::format("{:08x}{:08x}", rd(), rd());
}

}  // namespace

std::vector<std::string> backends() {
  std::vector<std::string> out{"sqlite"};
  const char* url = std::getenv("CHAT_TEST_MYSQL_URL");
  const char* req = std::getenv("CHAT_REQUIRE_MYSQL");
  if (url && *url) {
    out.push_back("mysql");
  } else if (req && std::string(req) == "1") {
    out.push_back("mysql");  // the fixture fails the test: the database was required
  }
  return out;
}

fixture::fixture(const std::string& backend, const std::function<void(config&)>& tweak) {
  if (backend == "sqlite") {
    sqlite_file_ = (std::filesystem::temp_directory_path() /
                    fmt::format("chat_auth_{}_{}.db", ::getpid(), random_suffix()))
                       .string();
    url_ = "sqlite:" + sqlite_file_;
  } else {
    const char* admin = std::getenv("CHAT_TEST_MYSQL_URL");
    if (!admin || !*admin) FAIL("CHAT_REQUIRE_MYSQL=1 but CHAT_TEST_MYSQL_URL is unset");
    mysql_admin_url_ = admin;
    mysql_db_ = "chat_t_" + random_suffix();
    auto adm = persistence::database::open(mysql_admin_url_);
    if (!adm) FAIL("mysql: " << adm.err().message);
    (*adm)->sql() << "CREATE DATABASE " + mysql_db_;
    url_ = mysql_admin_url_.substr(0, mysql_admin_url_.rfind('/') + 1) + mysql_db_;
  }
  {
    auto db = persistence::database::open(url_);
    if (!db) FAIL("open " << db.err().message);
    auto m = persistence::migrate(**db, persistence::default_migrations_dir());
    if (!m) FAIL("migrate " << m.err().message);
  }
  config cfg;
  cfg.db_url = url_;
  cfg.fast_password_hashing = true;
  cfg.db_pool_size = 2;
  cfg.now_ms = [this] { return now.load(); };
  cfg.log = [this](std::string_view line) {
    std::lock_guard lock(log_mu_);
    logs_.emplace_back(line);
  };
  cfg.public_base_url = "http://127.0.0.1:9";
  if (tweak) tweak(cfg);
  auto s = service::create(std::move(cfg));
  if (!s) FAIL("service::create " << s.err().message);
  svc_ = std::move(s).value();
}

fixture::~fixture() {
  svc_.reset();
  if (!sqlite_file_.empty()) {
    std::error_code ec;
    for (const char* ext : {"", "-wal", "-shm", "-journal"}) {
      std::filesystem::remove(sqlite_file_ + ext, ec);
    }
  }
  if (!mysql_db_.empty()) {
    try {
      auto adm = persistence::database::open(mysql_admin_url_);
      if (adm) (*adm)->sql() << "DROP DATABASE IF EXISTS " + mysql_db_;
    } catch (...) {
    }
  }
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
