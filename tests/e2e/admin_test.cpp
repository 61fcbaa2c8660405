// chatctl against a real chatd on SQLite and MariaDB: every command's output is checked against
// state the test made, through the real admin socket (docs/admin.md).
#include <sys/stat.h>
#include <unistd.h>

#include <soci/soci.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <sstream>
#include <thread>

#include "persistence/database.hpp"
#include "tests/e2e/chatctl_run.hpp"
#include "tests/e2e/harness.hpp"

using namespace chat::e2e;
using namespace chat;

namespace {

std::string show(const chatctl_result& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

/// The group "ops" with alice, bob (and `more` members), and `n` messages from alice.
struct group_fixture {
  account alice, bob;
  std::unique_ptr<chat_client> a, b;
  protocol::id_t conv = 0;
  std::vector<protocol::ack_frame> acks;
  group_fixture(chatd_server& srv, int n) {
    alice = register_user(srv.port(), "alice");
    bob = register_user(srv.port(), "bob");
    a = chat_client::open(srv.port(), alice);
    b = chat_client::open(srv.port(), bob);
    conv = a->create_group("ops", {"bob"});
    for (int i = 1; i <= n; ++i)
      acks.push_back(a->send_message(conv, "m" + std::to_string(i), "hello " + std::to_string(i)));
  }
};

/// Runs SQL against chatd's database from the test (tampering).
void exec_sql(const std::string& url, const std::vector<std::string>& statements) {
  auto db = persistence::database::open(url);
  REQUIRE(db);
  for (const auto& s : statements) (*db)->sql() << s;
}

}  // namespace

CHAT_E2E_CASE(chatctl_log_export_verify, "chatctl log, export and verify show what clients wrote",
              "[admin]") {
  chatd_server srv(kind);
  group_fixture g(srv, 5);
  // created + 2 member_added + 5 messages
  const std::int64_t last = g.acks.back().seq;
  REQUIRE(last == 8);

  auto log = chatctl_in(srv.data_dir(), {"log", "conversation", std::to_string(g.conv), "--json"});
  INFO(show(log));
  REQUIRE(log.exit_code == 0);
  auto j = log.json();
  CHECK(j["last_seq"] == last);
  CHECK(j["count"] == last);
  REQUIRE(j["events"].size() == static_cast<std::size_t>(last));
  for (std::int64_t i = 0; i < last; ++i) CHECK(j["events"][i]["seq"] == i + 1);
  CHECK(j["events"][0]["type"] == "created");
  CHECK(j["events"][1]["type"] == "member_added");
  CHECK(j["events"][3]["payload"] == "hello 1");
  CHECK(j["events"][3]["client_msg_id"] == "m1");
  CHECK(j["events"][3]["sender_name"] == "alice");
  CHECK(j["events"][7]["payload"] == "hello 5");

  auto page = chatctl_in(srv.data_dir(), {"log", "conversation", std::to_string(g.conv), "--from",
                                          "5", "--limit", "2"});
  INFO(show(page));
  REQUIRE(page.exit_code == 0);
  CHECK(page.out.find("hello 2") != std::string::npos);
  CHECK(page.out.find("hello 3") != std::string::npos);
  CHECK(page.out.find("hello 4") == std::string::npos);
  CHECK(page.out.find("the log ends at seq 8") != std::string::npos);

  auto exp = chatctl_in(srv.data_dir(), {"conversation", "export", std::to_string(g.conv)});
  INFO(show(exp));
  REQUIRE(exp.exit_code == 0);
  auto lines = exp.json_lines();
  REQUIRE(lines.size() == static_cast<std::size_t>(last));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    CHECK(lines[i]["seq"] == static_cast<std::int64_t>(i + 1));
    CHECK(lines[i]["conversation"] == g.conv);
  }
  CHECK(lines[7]["payload"] == "hello 5");

  auto ok = chatctl_in(srv.data_dir(), {"verify"});
  INFO(show(ok));
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("checked 8 events in 1 conversations: OK") != std::string::npos);

  auto missing = chatctl_in(srv.data_dir(), {"log", "conversation", "999"});
  CHECK(missing.exit_code == 5);
  CHECK(missing.err.find("no conversation 999") != std::string::npos);
}

CHAT_E2E_CASE(chatctl_verify_tampered, "chatctl verify names a seq gap and a duplicate in the log",
              "[admin]") {
  chatd_server srv(kind);
  group_fixture g(srv, 4);
  auto c = std::to_string(g.conv);
  srv.proc().stop(SIGTERM);
  // A hole at seq 5 (message m2), and a second copy of message m4 (seq 7) at seq 20:
  // the unique key that keeps duplicates out has to go first.
  std::vector<std::string> tamper{"DELETE FROM conversation_events WHERE conversation_id = " + c +
                                  " AND seq = 5"};
  if (kind == db_kind::mysql) {
    tamper.push_back("ALTER TABLE conversation_events DROP INDEX uq_events_client_msg");
  } else {
    tamper.push_back("CREATE TABLE events_copy AS SELECT * FROM conversation_events");
    tamper.push_back("DROP TABLE conversation_events");
    tamper.push_back("ALTER TABLE events_copy RENAME TO conversation_events");
  }
  tamper.push_back(
      "INSERT INTO conversation_events (conversation_id, seq, event_id, type, sender_id, "
      "client_msg_id, subject_id, payload, created_at) SELECT conversation_id, 20, "
      "'ffffffffffffffffffffffffffffffff', type, sender_id, client_msg_id, subject_id, payload, "
      "created_at FROM conversation_events WHERE conversation_id = " +
      c + " AND seq = 7");
  // And bob's membership row disappears.
  tamper.push_back("DELETE FROM memberships WHERE conversation_id = " + c +
                   " AND user_id = " + std::to_string(g.bob.id));
  exec_sql(srv.db_url(), tamper);
  srv.restart();

  auto v = chatctl_in(srv.data_dir(), {"verify"});
  INFO(show(v));
  CHECK(v.exit_code == 1);
  CHECK(v.out.find("seq_gap: conversation " + c + ": seqs 5..5 are missing") != std::string::npos);
  CHECK(v.out.find("seqs 8..19 are missing") != std::string::npos);
  CHECK(v.out.find("duplicate_client_msg_id: conversation " + c + ": sender " +
                   std::to_string(g.alice.id) + " client_msg_id 'm4' at seq 7 and seq 20") !=
        std::string::npos);
  CHECK(v.out.find("membership_missing: conversation " + c + ": the log makes user " +
                   std::to_string(g.bob.id)) != std::string::npos);
  CHECK(v.out.find("4 findings") != std::string::npos);

  auto j = chatctl_in(srv.data_dir(), {"verify", "--conversation", c, "--json"});
  INFO(show(j));
  CHECK(j.exit_code == 1);
  auto doc = j.json();
  CHECK(doc["ok"] == false);
  CHECK(doc["findings"] == 4);
  REQUIRE(doc["problems"].size() == 4);
  CHECK(doc["problems"][0]["kind"] == "seq_gap");
}

CHAT_E2E_CASE(chatctl_sessions, "chatctl sessions list and revoke a user's sessions", "[admin]") {
  chatd_server srv(kind);
  auto alice = register_user(srv.port(), "alice");
  auto token = login_token(srv.port(), "alice");
  auto list = chatctl_in(srv.data_dir(), {"sessions", "list", "alice", "--json"});
  INFO(show(list));
  REQUIRE(list.exit_code == 0);
  auto j = list.json();
  CHECK(j["user"]["id"] == alice.id);
  CHECK(j["sessions"].size() == 2);
  auto human = chatctl_in(srv.data_dir(), {"sessions", "list", "alice"});
  CHECK(human.out.find("sessions of alice (id " + std::to_string(alice.id) + ")") !=
        std::string::npos);

  auto me = [&](const std::string& cookie) {
    return http_request(srv.port(), "GET", "/api/me", "", {{"Cookie", "chatd_session=" + cookie}})
        .status;
  };
  CHECK(me(alice.cookie) == 200);
  auto rev = chatctl_in(srv.data_dir(), {"sessions", "revoke", "alice"});
  INFO(show(rev));
  REQUIRE(rev.exit_code == 0);
  CHECK(rev.out.find("revoked 2 session(s) of alice") != std::string::npos);
  CHECK(me(alice.cookie) == 401);
  CHECK(http_request(srv.port(), "GET", "/api/me", "", {{"Authorization", "Bearer " + token}})
            .status == 401);
  CHECK(chatctl_in(srv.data_dir(), {"sessions", "list", "nobody"}).exit_code == 5);
}

CHAT_E2E_CASE(chatctl_user_disable,
              "A disabled user is disconnected and cannot sign in or use a session until enabled",
              "[admin]") {
  chatd_server srv(kind);
  auto alice = register_user(srv.port(), "alice");
  auto live = chat_client::open(srv.port(), alice);
  auto dis = chatctl_in(srv.data_dir(), {"user", "disable", "alice"});
  INFO(show(dis));
  REQUIRE(dis.exit_code == 0);
  CHECK(dis.out.find("alice (id " + std::to_string(alice.id) + ") disabled") != std::string::npos);
  CHECK(dis.out.find("closed 1 live connection(s)") != std::string::npos);
  CHECK(live->wait_closed() == 4001);

  nlohmann::json creds{{"username", "alice"}, {"password", test_password()}};
  auto login = http_request(srv.port(), "POST", "/api/login", creds.dump());
  CHECK(login.status == 403);
  CHECK(login.body.find("account_disabled") != std::string::npos);
  CHECK(
      http_request(srv.port(), "GET", "/api/me", "", {{"Cookie", "chatd_session=" + alice.cookie}})
          .status == 401);
  auto ws = ws_client::connect(srv.port(), {{"Cookie", "chatd_session=" + alice.cookie}});
  CHECK_FALSE(ws.client);
  CHECK(chatctl_in(srv.data_dir(), {"user", "disable", "alice"}).out.find("(already)") !=
        std::string::npos);

  auto en = chatctl_in(srv.data_dir(), {"user", "enable", "alice", "--json"});
  INFO(show(en));
  REQUIRE(en.exit_code == 0);
  CHECK(en.json()["disabled"] == false);
  CHECK(http_request(srv.port(), "POST", "/api/login", creds.dump()).status == 200);
  CHECK(
      http_request(srv.port(), "GET", "/api/me", "", {{"Cookie", "chatd_session=" + alice.cookie}})
          .status == 200);
}

TEST_CASE("chatctl says clearly when chatd is not running or the socket is not accessible",
          "[e2e][admin]") {
  temp_dir dir;
  auto r = chatctl_in(dir.path(), {"status"});
  CHECK(r.exit_code == 3);
  CHECK(r.err == "chatctl: chatd is not running (no admin socket at " + dir.path() +
                     "/chatd-admin.sock; see --socket / --data-dir)\n");
  auto help = run_chatctl({"log", "conversation", "--help"});
  CHECK(help.exit_code == 0);
  CHECK(help.out.find("--from") != std::string::npos);
  CHECK(run_chatctl({"no-such-command"}).exit_code == 2);

  chatd_server srv(db_kind::sqlite);
  struct stat st {};
  REQUIRE(::stat((srv.data_dir() + "/chatd-admin.sock").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(chatctl_in(srv.data_dir(), {"status"}).exit_code == 0);
  if (::geteuid() == 0) {
    // Another local user (nobody) is refused by the file system, and told so.
    ::chmod(srv.data_dir().c_str(), 0755);
    auto other =
        run_chatctl({"--data-dir", srv.data_dir(), "status"}, std::chrono::seconds(30), 65534);
    INFO(show(other));
    CHECK(other.exit_code == 4);
    CHECK(other.err.find("permission denied on the admin socket") != std::string::npos);
  }
}

CHAT_E2E_CASE(chatctl_tcp_token,
              "The admin TCP listener wants the token and the public port has no admin surface",
              "[admin]") {
  chatd_server srv(kind, {"--admin-listen", "127.0.0.1:0"});
  std::smatch m;
  auto log = srv.proc().log();
  REQUIRE(std::regex_search(log, m, std::regex("admin listening on 127\\.0\\.0\\.1:(\\d+)")));
  std::string addr = "127.0.0.1:" + m[1].str();
  auto token_file = srv.data_dir() + "/chatd-admin.token";
  struct stat st {};
  REQUIRE(::stat(token_file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  // The token never appears in chatd's log.
  std::ifstream in(token_file);
  std::string token;
  in >> token;
  REQUIRE(token.size() == 64);
  CHECK(log.find(token) == std::string::npos);

  auto good = run_chatctl({"--connect", addr, "--token-file", token_file, "status", "--json"});
  INFO(show(good));
  REQUIRE(good.exit_code == 0);
  CHECK(good.json()["database"]["healthy"] == true);
  CHECK(good.json()["database"]["backend"] == (kind == db_kind::mysql ? "mysql" : "sqlite"));

  auto wrong_file = srv.data_dir() + "/wrong.token";
  {
    std::ofstream w(wrong_file);
    w << std::string(64, '0') << "\n";
  }
  ::chmod(wrong_file.c_str(), 0600);
  auto bad = run_chatctl({"--connect", addr, "--token-file", wrong_file, "status"});
  INFO(show(bad));
  CHECK(bad.exit_code == 4);
  CHECK(bad.err == "chatctl: chatd refused the admin token (wrong token; see --token-file)\n");

  // The public port: no admin command over HTTP, and the admin protocol gets no answer there.
  for (const char* path : {"/admin", "/admin/status", "/api/admin", "/chatctl"})
    CHECK(http_request(srv.port(), "GET", path).status == 404);
  auto pub = run_chatctl({"--connect", "127.0.0.1:" + std::to_string(srv.port()), "--token-file",
                          token_file, "--timeout", "5", "status"});
  INFO(show(pub));
  CHECK(pub.exit_code != 0);
  CHECK(pub.out.empty());
  CHECK(srv.proc().log().find(token) == std::string::npos);
}

TEST_CASE("chatd refuses --admin-listen on a non-loopback address", "[e2e][admin]") {
  test_database db(db_kind::sqlite);
  temp_dir dir;
  chatd_process p(CHATD_BINARY, {"--listen", "127.0.0.1:0", "--db", db.url(), "--data-dir",
                                 dir.path(), "--admin-listen", "0.0.0.0:0"});
  CHECK(p.stop(0, std::chrono::seconds(20)) == 2);
  CHECK(p.log().find("--admin-listen is refused on the non-loopback address '0.0.0.0'") !=
        std::string::npos);
}

namespace {

/// The report of the first actor of `kind` (and `id`, when given) in `chatctl actors --json`.
nlohmann::json find_actor(const nlohmann::json& doc, const std::string& kind,
                          std::optional<std::int64_t> id = std::nullopt) {
  for (const auto& a : doc["actors"])
    if (a["kind"] == kind && (!id || a["id"] == *id)) return a;
  return nullptr;
}

}  // namespace

CHAT_E2E_CASE(chatctl_live_inspection,
              "chatctl actors, inspect and status show the live actors and their state",
              "[admin]") {
  chatd_server srv(kind);
  group_fixture g(srv, 3);
  // Bob reads everything, so his connection's counters are settled.
  for (auto& ack : g.acks)
    g.b->expect<protocol::event_frame>(
        [&](const protocol::event_frame& e) { return e.seq == ack.seq; });
  const std::int64_t last = g.acks.back().seq;  // created, 2 member_added, 3 messages

  auto all = chatctl_in(srv.data_dir(), {"actors", "--json", "--limit", "1000"});
  INFO(show(all));
  REQUIRE(all.exit_code == 0);
  auto doc = all.json();
  std::map<std::string, int> kinds;
  for (const auto& a : doc["actors"]) ++kinds[a["kind"].get<std::string>()];
  CHECK(kinds["connection"] == 2);
  CHECK(kinds["user"] == 2);
  CHECK(kinds["conversation"] == 1);
  CHECK(kinds["shard"] == 4);
  CHECK(kinds["log_writer"] == 1);
  CHECK(kinds["db_worker"] == 3);
  CHECK(kinds["admin"] == 1);
  auto conv_actor = find_actor(doc, "conversation", g.conv);
  REQUIRE(conv_actor.is_object());
  CHECK(conv_actor["handled"].get<std::int64_t>() >= 4);  // create + 3 sends at least
  CHECK(conv_actor["memory_bytes"].get<std::int64_t>() > 0);
  CHECK(find_actor(doc, "user", g.alice.id)["name"] == "alice");

  auto only = chatctl_in(srv.data_dir(), {"actors", "--kind", "conversation"});
  INFO(show(only));
  CHECK(only.exit_code == 0);
  CHECK(only.out.find("1 of 1 actors, sorted by mailbox") != std::string::npos);

  auto conv =
      chatctl_in(srv.data_dir(), {"inspect", "conversation", std::to_string(g.conv), "--json"});
  INFO(show(conv));
  REQUIRE(conv.exit_code == 0);
  auto c = conv.json();
  CHECK(c["live"] == true);
  CHECK(c["actor"]["last_seq"] == last);
  CHECK(c["actor"]["tail"] == last);
  CHECK(c["actor"]["window"] == 3);
  CHECK(c["actor"]["queued"] == 0);
  CHECK(c["actor"]["in_flight"] == 0);
  CHECK(c["actor"]["name"] == "ops");
  auto members = c["actor"]["members"].get<std::vector<std::int64_t>>();
  CHECK(members == std::vector<std::int64_t>{g.alice.id, g.bob.id});

  auto user = chatctl_in(srv.data_dir(), {"inspect", "user", "bob", "--json"});
  INFO(show(user));
  REQUIRE(user.exit_code == 0);
  auto u = user.json();
  CHECK(u["live"] == true);
  REQUIRE(u["connections"].size() == 1);
  auto bc = u["connections"][0];
  CHECK(bc["user"] == g.bob.id);
  CHECK(bc["peer"].get<std::string>().rfind("127.0.0.1:", 0) == 0);
  CHECK(bc["sync_state"] == "live");
  CHECK(bc["frames_in"] == 1);                              // hello
  CHECK(bc["frames_out"].get<std::int64_t>() >= 1 + last);  // welcome + every event
  CHECK(bc["bytes_out"].get<std::int64_t>() > 0);
  CHECK(bc["outbound_queue"] == 0);
  CHECK(u["actor"]["connections"] == std::vector<std::int64_t>{bc["actor"].get<std::int64_t>()});

  auto one = chatctl_in(srv.data_dir(),
                        {"inspect", "connection", std::to_string(bc["actor"].get<std::int64_t>())});
  INFO(show(one));
  CHECK(one.exit_code == 0);
  CHECK(one.out.find("sync_state") != std::string::npos);
  CHECK(chatctl_in(srv.data_dir(), {"inspect", "connection", "999999"}).exit_code == 5);

  // The rates need two samples of the admin actor (one a second).
  std::this_thread::sleep_for(std::chrono::milliseconds(2200));
  auto status = chatctl_in(srv.data_dir(), {"status", "--json"});
  INFO(show(status));
  REQUIRE(status.exit_code == 0);
  auto st = status.json();
  CHECK(st["actors_by_kind"]["connection"] == 2);
  CHECK(st["connections"] == 2);
  CHECK(st["database"]["healthy"] == true);
  CHECK(st["window_s"].get<double>() > 0);
  auto human = chatctl_in(srv.data_dir(), {"status"});
  CHECK(human.out.find("ack latency") != std::string::npos);

  // Passivate: the actor goes, the store still answers, and the next send brings it back.
  auto pas = chatctl_in(srv.data_dir(), {"passivate", "conversation", std::to_string(g.conv)});
  INFO(show(pas));
  CHECK(pas.exit_code == 0);
  CHECK(pas.out.find("passivated") != std::string::npos);
  nlohmann::json gone;
  for (int i = 0; i < 100; ++i) {
    gone = chatctl_in(srv.data_dir(), {"inspect", "conversation", std::to_string(g.conv), "--json"})
               .json();
    if (gone["live"] == false) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  CHECK(gone["live"] == false);
  CHECK(gone["stored"]["last_seq"] == last);
  auto again = g.a->send_message(g.conv, "after", "back again");
  CHECK(again.seq == last + 1);
  CHECK(chatctl_in(srv.data_dir(), {"inspect", "conversation", "999"}).exit_code == 5);
}

CHAT_E2E_CASE(chatctl_disconnect, "chatctl disconnect user closes every connection of the user",
              "[admin]") {
  chatd_server srv(kind);
  auto alice = register_user(srv.port(), "alice");
  auto bob = register_user(srv.port(), "bob");
  auto a1 = chat_client::open(srv.port(), alice);
  auto a2 = chat_client::open(srv.port(), alice);
  auto b = chat_client::open(srv.port(), bob);
  auto r = chatctl_in(srv.data_dir(), {"disconnect", "user", "alice", "--reason", "maintenance"});
  INFO(show(r));
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.find("closed 2 connection(s) of alice") != std::string::npos);
  CHECK(a1->wait_closed() == 4003);
  CHECK(a2->wait_closed() == 4003);
  // Bob is untouched, and alice may come back.
  CHECK(b->open_direct("alice") > 0);
  auto a3 = chat_client::open(srv.port(), alice);
  CHECK(chatctl_in(srv.data_dir(), {"disconnect", "user", "nobody"}).exit_code == 5);
}

TEST_CASE("chatctl top refreshes under tmux and quits on q", "[e2e][admin]") {
  if (std::system("command -v tmux >/dev/null 2>&1") != 0) {
    WARN("tmux is not installed: skipped");
    return;
  }
  chatd_server srv(db_kind::sqlite);
  auto alice = register_user(srv.port(), "alice");
  auto a = chat_client::open(srv.port(), alice);
  std::string sock = "chatctl-top-" + std::to_string(::getpid());
  auto tmux = [&](const std::string& args) {
    return std::system(("tmux -L " + sock + " " + args + " >/dev/null 2>&1").c_str());
  };
  auto capture = [&] {
    auto path = srv.data_dir() + "/pane.txt";
    std::system(("tmux -L " + sock + " capture-pane -p -t top > " + path + " 2>/dev/null").c_str());
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  std::string cmd = std::string(CHATCTL_BINARY) + " --data-dir " + srv.data_dir() +
                    " top --interval 0.3 --sort rate";
  REQUIRE(tmux("new-session -d -s top -x 160 -y 40 '" + cmd + "'") == 0);
  struct cleanup {
    std::function<void()> f;
    ~cleanup() { f(); }
  } kill_server{[&] { tmux("kill-server"); }};
  // Refreshes: the header's uptime changes while the table shows the live actors.
  std::string first, later;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    auto screen = capture();
    if (screen.find("KIND") != std::string::npos &&
        screen.find("connection") != std::string::npos) {
      if (first.empty())
        first = screen;
      else if (screen != first) {
        later = screen;
        break;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  INFO("first screen:\n" << first << "\nlater screen:\n" << later);
  REQUIRE_FALSE(first.empty());
  CHECK_FALSE(later.empty());
  CHECK(first.find("sorted by rate") != std::string::npos);
  CHECK(first.find("log_writer") != std::string::npos);
  tmux("send-keys -t top q");
  bool ended = false;
  for (int i = 0; i < 100 && !ended; ++i) {
    ended = tmux("has-session -t top") != 0;
    if (!ended) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(ended);
}
