#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "persistence/event_store.hpp"
#include "test_backend.hpp"

using namespace chat::persistence;

namespace {

// A loopback port nobody listens on: bind an ephemeral port, then close it.
int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

bool one_line(const std::string& s) {
  return !s.empty() && s.find('\n') == std::string::npos && s.find('\r') == std::string::npos;
}

}  // namespace

TEST_CASE("A malformed connection string gives a one-line bad_config error naming the part",
          "[persistence]") {
  struct bad_case {
    const char* url;
    const char* names;
  };
  auto c = GENERATE(values<bad_case>({
      {"", "empty"},
      {"postgres://u:p@h/db", "postgres"},
      {"mysql:/u:p@h/db", "//"},
      {"mysql://u:p@h:abc/db", "port"},
      {"mysql://u:p@h:99999/db", "port"},
      {"mysql://u:p@h:3306", "dbname"},
      {"mysql://h:3306/db", "user"},
      {"mysql://u:p@:3306/db", "host"},
      {"mysql://u:p%zz@h/db", "percent"},
      {"sqlite:", "path"},
      {"just-a-word", "scheme"},
  }));
  INFO("url: " << c.url);
  auto db = database::open(c.url);
  REQUIRE_FALSE(db.ok());
  CHECK(db.err().code == errc::bad_config);
  CHECK(one_line(db.err().message));
  CHECK(db.err().message.find(c.names) != std::string::npos);
}

TEST_CASE("A parsed mysql url keeps its parts and never shows the password", "[persistence]") {
  auto cfg = db_config::parse("mysql://chat:s%40cret@127.0.0.1:3307/chat");
  REQUIRE(cfg.ok());
  CHECK(cfg->kind == backend::mysql);
  CHECK(cfg->user == "chat");
  CHECK(cfg->password == "s@cret");
  CHECK(cfg->host == "127.0.0.1");
  CHECK(cfg->port == 3307);
  CHECK(cfg->dbname == "chat");
  CHECK(cfg->describe().find("cret") == std::string::npos);
  auto sqlite = db_config::parse("/tmp/x.db");
  REQUIRE(sqlite.ok());
  CHECK(sqlite->kind == backend::sqlite);
  CHECK(sqlite->sqlite_path == "/tmp/x.db");
}

TEST_CASE("An unreachable MySQL server gives a quick one-line unavailable error", "[persistence]") {
  int port = closed_port();
  auto start = std::chrono::steady_clock::now();
  auto db = database::open(fmt::format("mysql://chat:secretpw@127.0.0.1:{}/chat", port));
  auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(db.ok());
  INFO(db.err().message);
  CHECK(db.err().code == errc::unavailable);
  CHECK(one_line(db.err().message));
  CHECK(db.err().message.find(fmt::format("127.0.0.1:{}", port)) != std::string::npos);
  CHECK(db.err().message.find("secretpw") == std::string::npos);
  CHECK(took < std::chrono::seconds(5));
}

TEST_CASE("Wrong MySQL credentials or database give a one-line bad_config error",
          "[persistence][mysql]") {
  if (!test::mysql_enabled("skipping")) return;
  const char* base = test::mysql_url();
  auto cfg = db_config::parse(base);
  REQUIRE(cfg.ok());
  SECTION("wrong password") {
    auto db = database::open(fmt::format("mysql://{}:wrong-{}@{}:{}/{}", cfg->user, cfg->password,
                                         cfg->host, cfg->port, cfg->dbname));
    REQUIRE_FALSE(db.ok());
    INFO(db.err().message);
    CHECK(db.err().code == errc::bad_config);
    CHECK(db.err().message.find("access denied") != std::string::npos);
    CHECK(db.err().message.find("wrong-") == std::string::npos);
    CHECK(one_line(db.err().message));
  }
  SECTION("missing database") {
    auto db = database::open(fmt::format("mysql://{}:{}@{}:{}/no_such_db_{}", cfg->user,
                                         cfg->password, cfg->host, cfg->port, test::random_hex(6)));
    REQUIRE_FALSE(db.ok());
    INFO(db.err().message);
    CHECK(db.err().code == errc::bad_config);
    CHECK(db.err().message.find("no_such_db_") != std::string::npos);
    CHECK(one_line(db.err().message));
  }
}

TEST_CASE("An SQLite file in a missing directory gives a one-line error", "[persistence]") {
  auto db = database::open("sqlite:/nonexistent-dir-" + test::random_hex(6) + "/x.db");
  REQUIRE_FALSE(db.ok());
  CHECK(db.err().code == errc::bad_config);
  CHECK(one_line(db.err().message));
  CHECK(db.err().message.find("nonexistent-dir-") != std::string::npos);
}

TEST_CASE("A lost MySQL connection is reported as unavailable and can be reopened",
          "[persistence][mysql]") {
  if (!test::mysql_enabled("skipping")) return;
  test::test_backend b("mysql");
  REQUIRE(b.available());
  long long id = 0;
  b.db().sql() << "SELECT CONNECTION_ID()", soci::into(id);
  auto killer = b.open_another();
  killer->sql() << "KILL :id", soci::use(id);

  event_store log(b.db());
  auto lost = log.last_seq(1);
  REQUIRE_FALSE(lost.ok());
  INFO(lost.err().message);
  CHECK(lost.err().code == errc::unavailable);
  CHECK(one_line(lost.err().message));

  REQUIRE(b.db().reconnect().ok());
  auto again = log.last_seq(1);
  REQUIRE(again.ok());
  CHECK(*again == 0);
}

TEST_CASE("A MySQL password with quotes, spaces and URL characters connects when percent-encoded",
          "[persistence][mysql]") {
  if (!test::mysql_enabled("skipping")) return;
  const char* base = test::mysql_url();
  auto admin = database::open(base);
  REQUIRE(admin.ok());
  auto cfg = (*admin)->config();
  std::string user = "chat_q_" + test::random_hex(8);
  std::string password = "a b'c\\d@:/%\"";
  (*admin)->sql() << fmt::format("CREATE USER '{}'@'{}' IDENTIFIED BY :p", user, cfg.host),
      soci::use(password);
  auto db =
      database::open(fmt::format("mysql://{}:a%20b%27c%5Cd%40%3A%2F%25%22@{}:{}/"
                                 "information_schema",
                                 user, cfg.host, cfg.port));
  (*admin)->sql() << fmt::format("DROP USER '{}'@'{}'", user, cfg.host);
  INFO((db.ok() ? std::string("ok") : db.err().message));
  CHECK(db.ok());
}
