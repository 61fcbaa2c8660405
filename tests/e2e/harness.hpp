#pragma once
// What the end-to-end tests share: a fresh database per test (SQLite temp file or a MariaDB
// database of its own), a real chatd process on it, accounts made over HTTP, and a protocol-level
// client that keeps frames it was not asked for in an inbox.
#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "protocol/messages.hpp"
#include "tests/e2e/chatd_process.hpp"
#include "tests/e2e/client.hpp"
#include "tests/support/scratch_database.hpp"

namespace chat::e2e {

enum class db_kind { sqlite, mysql };

/// True when MariaDB tests can run; otherwise WARNs (or FAILs under CHAT_REQUIRE_MYSQL=1).
inline bool mysql_enabled() {
  return test_support::mysql_enabled("skipped (source scripts/mariadb.sh to run on MariaDB)");
}

/// A database nobody else uses, removed afterwards. Empty: chatd applies the migrations itself.
class test_database : public test_support::scratch_database {
 public:
  explicit test_database(db_kind kind)
      : scratch_database(kind == db_kind::mysql ? "mysql" : "sqlite", false, "chatd-e2e") {
    REQUIRE(available());
  }
};

/// A private directory (mode 0700) removed with everything in it.
class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// chatd on its own database and data directory (admin socket), listening on 127.0.0.1:0.
class chatd_server {
 public:
  /// `route_db`: the --db URL chatd gets for its database's URL (e.g. through a tcp_proxy).
  explicit chatd_server(db_kind kind, std::vector<std::string> extra_args = {},
                        std::function<std::string(const std::string&)> route_db = {});
  void start();  ///< REQUIREs the listening line
  void restart() { start(); }
  /// Restarts with other extra flags (they stay for later restarts).
  void restart(std::vector<std::string> extra_args) {
    extra_ = std::move(extra_args);
    start();
  }
  std::uint16_t port() const { return proc_->port(); }
  /// The loopback metrics port (chatd runs with --metrics-listen 127.0.0.1:0).
  std::uint16_t metrics_port() const { return proc_->metrics_port(); }
  chatd_process& proc() { return *proc_; }
  const std::string& db_url() const { return db_.url(); }
  /// --data-dir: holds chatd-admin.sock (and chatd-admin.token with --admin-listen).
  const std::string& data_dir() const { return dir_.path(); }

 private:
  test_database db_;
  temp_dir dir_;
  std::vector<std::string> extra_;
  std::function<std::string(const std::string&)> route_db_;
  std::unique_ptr<chatd_process> proc_;
};

struct account {
  std::string username;
  std::int64_t id = 0;
  std::string cookie;  ///< value of chatd_session
};

account register_user(std::uint16_t port, const std::string& username);
/// A session token for non-browser clients (POST /api/login with want_token).
std::string login_token(std::uint16_t port, const std::string& username);
inline const char* test_password() {
  return "correct horse battery staple";
}

/// A protocol-level WebSocket client.
class chat_client {
 public:
  /// Upgrades with the account's cookie, says hello, REQUIREs welcome.
  static std::unique_ptr<chat_client> open(std::uint16_t port, const account& who);
  explicit chat_client(std::unique_ptr<ws_client> ws) : ws_(std::move(ws)) {}

  std::string next_id() { return "r" + std::to_string(++ids_); }
  void send(const protocol::request& r);
  void send_raw(std::string_view text);
  /// Next frame: from the inbox, else from the socket. Nothing on timeout or close (see closed()).
  std::optional<protocol::server_frame> next(std::chrono::milliseconds timeout = 5s);

  /// The first frame of type T (matching pred) from the inbox or the socket; others stay queued.
  template <class T>
  T expect(std::function<bool(const T&)> pred = {}, std::chrono::milliseconds timeout = 10s) {
    auto ok = [&](const protocol::server_frame& f) {
      auto* t = std::get_if<T>(&f);
      return t && (!pred || pred(*t));
    };
    for (auto it = inbox_.begin(); it != inbox_.end(); ++it)
      if (ok(*it)) {
        T t = std::get<T>(*it);
        inbox_.erase(it);
        return t;
      }
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      auto f = read_frame(std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now()));
      if (!f) break;
      if (ok(*f)) return std::get<T>(*f);
      inbox_.push_back(std::move(*f));
    }
    FAIL("expected frame did not arrive (" << describe_inbox() << ")");
    return T{};
  }
  /// Everything that arrives until the socket has been quiet for `quiet`.
  std::vector<protocol::server_frame> drain(std::chrono::milliseconds quiet = 500ms);
  /// Waits for the server to close; returns the close code (0 when it did not close in time).
  int wait_closed(std::chrono::milliseconds timeout = 15s);

  // Conveniences over whole request/reply pairs (REQUIRE on the reply).
  protocol::id_t open_direct(const std::string& username);
  protocol::id_t create_group(const std::string& title, std::vector<std::string> members);
  protocol::ack_frame send_message(protocol::id_t conversation, const std::string& client_msg_id,
                                   const std::string& body);
  protocol::history_frame history(protocol::id_t conversation, std::optional<protocol::id_t> before,
                                  std::optional<protocol::id_t> after, int limit);
  protocol::error_frame expect_error(const std::string& ref);

  ws_client& ws() { return *ws_; }
  /// The welcome open() received.
  const protocol::welcome_frame& welcome() const { return welcome_; }
  bool closed() const { return closed_; }
  int close_code() const { return close_code_; }
  std::string describe_inbox() const;

 private:
  std::optional<protocol::server_frame> read_frame(std::chrono::milliseconds timeout);
  std::unique_ptr<ws_client> ws_;
  std::vector<protocol::server_frame> inbox_;
  protocol::welcome_frame welcome_;
  int ids_ = 0;
  bool closed_ = false;
  int close_code_ = 0;
};

/// Short name of a frame's type, for messages.
std::string frame_name(const protocol::server_frame& f);

/// The message events of a conversation among frames.
std::vector<protocol::event_frame> message_events(const std::vector<protocol::server_frame>& frames,
                                                  protocol::id_t conversation);

}  // namespace chat::e2e

/// One test body, run as two test cases: on SQLite, and on MariaDB (skipped with a warning when
/// CHAT_TEST_MYSQL_URL is unset, unless CHAT_REQUIRE_MYSQL=1).
#define CHAT_E2E_CASE(fn, title, tags)                             \
  static void fn(chat::e2e::db_kind kind);                         \
  TEST_CASE(title " (SQLite)", "[e2e]" tags) {                     \
    fn(chat::e2e::db_kind::sqlite);                                \
  }                                                                \
  TEST_CASE(title " (MariaDB)", "[e2e][mysql]" tags) {             \
    if (chat::e2e::mysql_enabled()) fn(chat::e2e::db_kind::mysql); \
  }                                                                \
  static void fn(chat::e2e::db_kind kind)
