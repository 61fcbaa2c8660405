// The fault suite: chatd under load while something breaks. Each case checks, against the
// database, that every acked message is stored once at its acked seq with no gap, and that a
// well-behaved client still works afterwards. The short form (default) runs in CI; the long form
// (CHAT_FAULTS_LONG=1, scripts/faults.sh long) scales every load up.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "protocol/limits.hpp"
#include "protocol/serializer.hpp"
#include "tests/e2e/harness.hpp"
#include "tests/faults/load.hpp"
#include "tests/support/tcp_proxy.hpp"

using namespace chat;
using namespace chat::e2e;
using namespace chat::faults;
using test_support::tcp_proxy;

namespace {

bool long_form() {
  const char* v = std::getenv("CHAT_FAULTS_LONG");
  return v && *v == '1';
}
int scaled(int short_value, int long_value) {
  return long_form() ? long_value : short_value;
}

/// Registration is rate limited per address: spread over 127.0.0.x.
std::string source_ip(int i) {
  return "127.0.1." + std::to_string(1 + i / 20);
}

account register_from(std::uint16_t port, const std::string& name, int i) {
  nlohmann::json body{{"username", name}, {"password", test_password()}};
  auto res = http_request(port, "POST", "/api/register", body.dump(), {}, 10s, source_ip(i));
  INFO("register " << name << ": " << res.status << " " << res.body << " " << res.error);
  REQUIRE(res.status == 201);
  account a;
  a.username = name;
  a.cookie = res.set_cookie("chatd_session");
  a.id = nlohmann::json::parse(res.body)["user"]["id"].get<std::int64_t>();
  return a;
}

/// `groups` groups of `members` users each; every member sends into its group.
struct world {
  std::vector<account> users;
  std::vector<protocol::id_t> groups;
  std::vector<std::unique_ptr<sender>> senders;
};

world make_world(std::function<std::uint16_t()> port, int groups, int members, int window) {
  world w;
  for (int g = 0; g < groups; ++g) {
    std::vector<std::string> names;
    std::vector<account> accts;
    for (int m = 0; m < members; ++m) {
      auto i = static_cast<int>(w.users.size());
      auto a = register_from(port(), "user" + std::to_string(i), i);
      names.push_back(a.username);
      accts.push_back(a);
      w.users.push_back(a);
    }
    auto owner = chat_client::open(port(), accts.front());
    std::vector<std::string> others(names.begin() + 1, names.end());
    w.groups.push_back(owner->create_group("g" + std::to_string(g), others));
    for (auto& a : accts)
      w.senders.push_back(std::make_unique<sender>(
          port, a.id, a.username, a.cookie, std::vector<protocol::id_t>{w.groups.back()}, window));
  }
  return w;
}

std::vector<acked> settle_all(world& w, std::chrono::milliseconds timeout = 60s) {
  std::vector<acked> all;
  std::size_t unsettled = 0;
  for (auto& s : w.senders) {
    if (!s->settle(timeout)) {
      ++unsettled;
      WARN("a sender kept unacked messages: " << s->last_problem());
    }
    auto a = s->acks();
    all.insert(all.end(), a.begin(), a.end());
  }
  CHECK(unsettled == 0);
  return all;
}

/// A fresh client of the first user sends one message and gets it back in its group.
void well_behaved_client_works(std::uint16_t port, world& w) {
  // As the protocol tells clients: a 503 (session not checkable yet, e.g. a pooled database
  // connection cut by the outage) means retry with backoff, keeping the session.
  for (int i = 0; i < 50; ++i) {
    auto r = ws_client::connect(port, {{"Cookie", "chatd_session=" + w.users.front().cookie}});
    if (r.client || r.http_status != 503) break;
    std::this_thread::sleep_for(200ms);
  }
  auto c = chat_client::open(port, w.users.front());
  auto ack = c->send_message(w.groups.front(), "after-the-fault", "still here");
  CHECK(ack.seq > 0);
}

void run_for(std::chrono::milliseconds d) {
  std::this_thread::sleep_for(d);
}

void sigkill_under_load(db_kind kind) {
  chatd_server srv(kind, {"--requests-per-second", "1000", "--request-burst", "1000"});
  std::atomic<std::uint16_t> port{srv.port()};  // the senders read it while chatd restarts
  auto w = make_world([&port] { return port.load(); }, scaled(3, 8), scaled(3, 5), 8);
  for (auto& s : w.senders) s->start();
  for (int k = 0; k < scaled(2, 6); ++k) {
    run_for(scaled(1500, 4000) * 1ms);
    REQUIRE(srv.proc().stop(SIGKILL) == 128 + SIGKILL);
    srv.start();  // same database, a new port: the senders reconnect and resend
    port = srv.port();
  }
  run_for(1s);
  auto acks = settle_all(w);
  WARN("SIGKILL x" << scaled(2, 6) << ": " << acks.size() << " acked messages");
  CHECK(acks.size() > 0);
  require_acked_stored_once(srv.db_url(), acks);
  well_behaved_client_works(srv.port(), w);
}

/// The 1-minute load average, for the figures.
std::string load_average() {
  std::ifstream in("/proc/loadavg");
  std::string one;
  in >> one;
  return one;
}

/// Groups made by `owner` with `members`, pipelined 50 at a time (setup, not measured).
std::vector<protocol::id_t> make_groups(chat_client& owner, int n,
                                        const std::vector<std::string>& members) {
  std::vector<protocol::id_t> out;
  for (int i = 0; i < n; i += 50) {
    std::vector<std::string> ids;
    for (int j = i; j < std::min(n, i + 50); ++j) {
      ids.push_back(owner.next_id());
      owner.send(protocol::create_group_req{ids.back(), "many " + std::to_string(j), members});
    }
    for (auto& id : ids)
      out.push_back(owner
                        .expect<protocol::conversation_frame>(
                            [&](const protocol::conversation_frame& f) { return f.ref == id; }, 60s)
                        .conversation.id);
  }
  return out;
}

/// open_direct and send round trips of `who`, one of each every 20 ms.
struct latencies {
  std::vector<double> open_direct, send;
};
latencies measure(chat_client& who, const std::string& peer, protocol::id_t direct, int rounds,
                  std::vector<acked>& acks, std::int64_t who_id) {
  latencies out;
  auto ms_since = [](auto t0) {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  };
  for (int i = 0; i < rounds; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    CHECK(who.open_direct(peer) == direct);
    out.open_direct.push_back(ms_since(t0));
    t0 = std::chrono::steady_clock::now();
    auto id = "v" + std::to_string(acks.size());
    auto ack = who.send_message(direct, id, "latency probe");
    out.send.push_back(ms_since(t0));
    acks.push_back({direct, who_id, id, ack.seq});
    std::this_thread::sleep_for(20ms);
  }
  return out;
}

void hammering_user(db_kind kind) {
  // The user's database budget (chatd's defaults, stated here because the checks below count on
  // them): 40 units at once, 10 per second, a list costs 4, for all of the user's connections.
  constexpr double budget_burst = 40, budget_per_second = 10, list_cost = 4;
  chatd_server srv(kind, {"--requests-per-second", "1000", "--request-burst", "1000",
                          "--db-work-burst", "40", "--db-work-per-second", "10"});
  const int groups = scaled(500, 2000);
  auto hammer_user = register_from(srv.port(), "hammer", 0);
  auto helper = register_from(srv.port(), "helper", 1);
  auto victim = register_from(srv.port(), "victim", 2);
  auto peer = register_from(srv.port(), "peer", 3);
  {
    auto h = chat_client::open(srv.port(), hammer_user);
    make_groups(*h, groups, {helper.username});
  }
  auto v = chat_client::open(srv.port(), victim);
  auto direct = v->open_direct(peer.username);
  std::vector<acked> acks;
  const int rounds = scaled(60, 200);
  auto before = measure(*v, peer.username, direct, rounds, acks, victim.id);
  // Every connection the user may have, each at the protocol's request rate (20/s).
  list_hammer hammer(srv.port(), hammer_user.cookie, protocol::limits::max_connections_per_user,
                     protocol::limits::requests_per_second);
  std::this_thread::sleep_for(2s);  // past the budget's burst
  auto during = measure(*v, peer.username, direct, rounds, acks, victim.id);
  hammer.stop();
  const double one_budget = (budget_burst + budget_per_second * hammer.seconds()) / list_cost;
  const double od_before = percentile_ms(before.open_direct, 50),
               od_during = percentile_ms(during.open_direct, 50),
               send_before = percentile_ms(before.send, 50),
               send_during = percentile_ms(during.send, 50);
  const double od_p99 = percentile_ms(during.open_direct, 99),
               send_p99 = percentile_ms(during.send, 99);
  WARN("hammering user (" << (kind == db_kind::mysql ? "MariaDB" : "SQLite") << ", " << groups
                          << " groups, " << protocol::limits::max_connections_per_user
                          << " connections at " << protocol::limits::requests_per_second << "/s, "
                          << hammer.seconds() << " s): " << hammer.pages()
                          << " pages served (one user budget allows " << one_budget << "), "
                          << hammer.limited() << " rate_limited; another user's open_direct median "
                          << od_before << " -> " << od_during << " ms (p99 "
                          << percentile_ms(before.open_direct, 99) << " -> " << od_p99
                          << "), send median " << send_before << " -> " << send_during
                          << " ms (p99 " << percentile_ms(before.send, 99) << " -> " << send_p99
                          << "); load " << load_average());
  // No socket of the hammerer is closed (a refused lookup is not abuse: docs/protocol.md 8).
  CHECK(hammer.failed_connections() == 0);
  CHECK(hammer.other_errors() == 0);
  // One budget for the user's ten connections: the pages served fit in one burst plus one
  // refill over the whole time (ten budgets, one per connection, would serve ten times that),
  // and the user still gets its share.
  CHECK(hammer.pages() <= one_budget + 2);
  CHECK(hammer.pages() >= 5);
  CHECK(hammer.limited() > hammer.pages());  // the user's budget, not the database, said no
  // A small factor on a loaded 2-core machine (the issue measured 1.2 ms -> 2.8 s typical).
  CHECK(od_during < 4 * od_before + 20);
  CHECK(send_during < 4 * send_before + 20);
  CHECK(od_p99 < 1000);
  CHECK(send_p99 < 1000);
  require_acked_stored_once(srv.db_url(), acks);
  // The hammer's user still works too: a new connection shares the spent budget, so its list may
  // be refused at first; asked again after a second (as docs/protocol.md says), it is served.
  auto again = chat_client::open(srv.port(), hammer_user);
  std::optional<protocol::conversations_frame> page;
  for (int attempt = 0; attempt < 10 && !page; ++attempt) {
    auto id = again->next_id();
    again->send(protocol::list_conversations_req{id});
    for (auto f = again->next(30s); f; f = again->next(30s)) {
      if (auto* p = std::get_if<protocol::conversations_frame>(&*f); p && p->ref == id) {
        page = *p;
        break;
      }
      if (auto* e = std::get_if<protocol::error_frame>(&*f); e && e->ref == id) {
        REQUIRE(e->code == protocol::error_code::rate_limited);
        std::this_thread::sleep_for(1s);
        break;
      }
    }
  }
  REQUIRE(page);
  CHECK(page->next_cursor);
}
}  // namespace

TEST_CASE("SIGKILL under multi-group load loses no acked message (SQLite)", "[faults]") {
  sigkill_under_load(db_kind::sqlite);
}

TEST_CASE("SIGKILL under multi-group load loses no acked message (MariaDB)", "[faults][mysql]") {
  if (mysql_enabled()) sigkill_under_load(db_kind::mysql);
}

TEST_CASE("MariaDB stopped, frozen and back mid-load: unavailable, then every ack stored once",
          "[faults][mysql]") {
  if (!mysql_enabled()) return;
  tcp_proxy proxy{std::string(test_support::mysql_url())};
  chatd_server srv(db_kind::mysql, {"--requests-per-second", "1000", "--request-burst", "1000"},
                   [&](const std::string& url) { return proxy.url_through(url); });
  auto w = make_world([&srv] { return srv.port(); }, scaled(2, 6), 3, 8);
  for (auto& s : w.senders) s->start();
  run_for(1s);
  proxy.down();  // stopped: connections drop, new ones are refused
  run_for(scaled(2000, 10000) * 1ms);
  proxy.up();
  run_for(1s);
  proxy.freeze();  // frozen (SIGSTOP-like): connections stay open, nothing moves
  run_for(scaled(7000, 15000) * 1ms);
  proxy.thaw();
  run_for(1s);
  // Restarted: every connection is cut once more and the server comes back.
  proxy.down();
  proxy.up();
  run_for(1s);
  auto acks = settle_all(w);
  std::int64_t unavailable = 0;
  for (auto& s : w.senders) unavailable += s->unavailable_answers();
  WARN("MariaDB outage: " << acks.size() << " acked, " << unavailable
                          << " sends answered unavailable");
  CHECK(unavailable > 0);  // the outage was noticed and answered, not left hanging
  auto log = srv.proc().log();
  CHECK(log.find("actors: unavailable: log_writer") != std::string::npos);
  CHECK(log.find("actors: unavailable: websocket") != std::string::npos);
  auto metrics = http_request(srv.metrics_port(), "GET", "/metrics");
  CHECK(metrics.body.find("chatd_unavailable_total{source=\"websocket\"}") != std::string::npos);
  require_acked_stored_once(srv.db_url(), acks);
  well_behaved_client_works(srv.port(), w);
}

TEST_CASE("A login flood from many addresses: a probe keeps signing in and its sessions work",
          "[faults]") {
  chatd_server srv(db_kind::sqlite);
  // Several probe accounts in turn: sign-in is throttled per username (10 at once, 5 a minute).
  std::vector<account> probes;
  for (int i = 0; i < scaled(10, 40); ++i)
    probes.push_back(register_from(srv.port(), "probe" + std::to_string(i), i));
  std::atomic<bool> stop{false};
  std::atomic<int> flood_answers{0}, flood_busy{0};
  std::vector<std::thread> flood;
  for (int t = 0; t < scaled(6, 16); ++t) {
    flood.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        // 64 addresses and a new (unknown) username each time, so neither per-address nor
        // per-username rate limits stop the flood early: every attempt costs a full hash.
        auto ip = "127.0.2." + std::to_string(1 + (t * 7 + i) % 64);
        nlohmann::json body{{"username", "x" + std::to_string(t) + "_" + std::to_string(i)},
                            {"password", "not the password"}};
        auto r = http_request(srv.port(), "POST", "/api/login", body.dump(), {}, 30s, ip);
        ++flood_answers;
        if (r.status == 503) ++flood_busy;
      }
    });
  }
  std::vector<double> upgrade_ms, me_ms, login_ms;
  int login_failures = 0;
  auto until = std::chrono::steady_clock::now() + scaled(8, 30) * 1s;
  for (int round = 0; std::chrono::steady_clock::now() < until; ++round) {
    const auto& probe = probes[static_cast<std::size_t>(round) % probes.size()];
    // The probe signs in (retrying while the hashing queue says busy) ...
    auto t0 = std::chrono::steady_clock::now();
    nlohmann::json creds{{"username", probe.username}, {"password", test_password()}};
    const std::string probe_ip = "127.0.4." + std::to_string(1 + round % 200);
    int status = 0;
    for (int attempt = 0; attempt < 60 && status != 200; ++attempt) {
      status =
          http_request(srv.port(), "POST", "/api/login", creds.dump(), {}, 30s, probe_ip).status;
      if (status == 503) std::this_thread::sleep_for(100ms);
      if (status != 200 && status != 503) break;
    }
    login_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    if (status != 200) ++login_failures;
    // ... and uses its session: an upgrade and /api/me, which only check the session.
    t0 = std::chrono::steady_clock::now();
    auto r = ws_client::connect(srv.port(), {{"Cookie", "chatd_session=" + probe.cookie}}, 30s);
    upgrade_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    CHECK(r.client);
    t0 = std::chrono::steady_clock::now();
    auto me = http_request(srv.port(), "GET", "/api/me", {},
                           {{"Cookie", "chatd_session=" + probe.cookie}}, 30s, "127.0.0.1");
    me_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    CHECK(me.status == 200);
    std::this_thread::sleep_for(50ms);
  }
  stop = true;
  for (auto& t : flood) t.join();
  auto p99_up = percentile_ms(upgrade_ms, 99), p99_me = percentile_ms(me_ms, 99);
  auto p99_login = percentile_ms(login_ms, 99);
  WARN("login flood: " << flood_answers << " flood answers (" << flood_busy
                       << " busy 503); probe sign-in p99 " << p99_login << " ms (" << login_failures
                       << " failed), upgrade p99 " << p99_up << " ms, /api/me p99 " << p99_me
                       << " ms over " << upgrade_ms.size() << " rounds");
  CHECK(login_failures == 0);  // busy answers are retried; the probe always gets in
  // Session checks never wait behind hashing: generous bounds for a loaded 2-core machine.
  CHECK(p99_up < 2000);
  CHECK(p99_me < 2000);
}

TEST_CASE("Never-reading consumers do not hold up the readers or lose anything", "[faults]") {
  chatd_server srv(db_kind::sqlite, {"--requests-per-second", "1000", "--request-burst", "1000"});
  auto w = make_world([&srv] { return srv.port(); }, 1, 4, 16);
  // Other devices of the group's members that never read a byte.
  std::vector<std::unique_ptr<ws_client>> stuck;
  for (int i = 0; i < scaled(12, 40); ++i) {
    auto& who = w.users[static_cast<std::size_t>(i) % w.users.size()];
    auto r = ws_client::connect(srv.port(), {{"Cookie", "chatd_session=" + who.cookie}});
    REQUIRE(r.client);
    r.client->send_text(R"({"type":"hello","id":"h","version":1})");
    stuck.push_back(std::move(r.client));
  }
  auto reader = chat_client::open(srv.port(), w.users.back());
  for (auto& s : w.senders) s->start();
  // The reader reads all along; it must get everything while the stuck sockets get nothing.
  std::vector<protocol::id_t> seen;
  auto take = [&](const protocol::server_frame& f) {
    if (auto* e = std::get_if<protocol::event_frame>(&f); e && e->type == "message")
      seen.push_back(e->seq);
  };
  auto until = std::chrono::steady_clock::now() + scaled(4000, 20000) * 1ms;
  while (std::chrono::steady_clock::now() < until)
    if (auto f = reader->next(100ms)) take(*f);
  auto acks = settle_all(w);
  for (auto& f : reader->drain(2s)) take(f);
  CHECK_FALSE(reader->closed());
  CHECK(seen.size() >= acks.size());
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  WARN("never-reading consumers: " << stuck.size() << " stuck sockets, " << acks.size()
                                   << " acked, the reader saw " << seen.size());
  require_acked_stored_once(srv.db_url(), acks);
  well_behaved_client_works(srv.port(), w);
}

TEST_CASE("Out of file descriptors: the accept loop backs off, logs a few lines, recovers",
          "[faults]") {
  test_database db(db_kind::sqlite);
  // prlimit execs chatd with a small descriptor table (same pid, so stop() still works).
  chatd_process proc("/usr/bin/prlimit",
                     {"--nofile=160:160", CHATD_BINARY, "--listen", "127.0.0.1:0", "--db", db.url(),
                      "--metrics-listen", "127.0.0.1:0", "--max-connections-per-ip", "0"});
  REQUIRE(proc.wait_listening());
  auto port = proc.port();
  auto alice = register_user(port, "alice");
  // Hold more TCP connections than chatd has descriptors for (the rest wait in the backlog).
  std::vector<int> held;
  for (int i = 0; i < 220; ++i) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0)
      held.push_back(fd);
    else
      ::close(fd);
  }
  run_for(3s);
  auto log_at_limit = proc.log();
  for (int fd : held) ::close(fd);  // give the descriptors back
  run_for(2s);
  auto c = chat_client::open(port, alice);  // works again
  std::size_t accept_lines = 0;
  for (std::size_t at = 0; (at = log_at_limit.find("unavailable: accept", at)) != std::string::npos;
       ++at)
    ++accept_lines;
  WARN("fd limit: " << accept_lines << " accept log lines, " << log_at_limit.size()
                    << " bytes of log while at the limit");
  CHECK(accept_lines >= 1);
  CHECK(accept_lines <= 5);
  CHECK(log_at_limit.size() < 64 * 1024);
}

TEST_CASE("A small filesystem filling up under SQLite: unavailable and logged, nothing acked lost",
          "[faults]") {
  namespace fs = std::filesystem;
  auto dir = fs::temp_directory_path() / ("chatd-full-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  if (::mount("tmpfs", dir.c_str(), "tmpfs", 0, "size=16m") != 0) {
    WARN("cannot mount a size-limited tmpfs (needs root): skipped");
    fs::remove(dir);
    return;
  }
  struct unmount {
    fs::path p;
    ~unmount() {
      ::umount2(p.c_str(), MNT_DETACH);
      std::error_code ec;
      fs::remove_all(p, ec);
    }
  } guard{dir};
  const std::string url = "sqlite:" + (dir / "chat.db").string();
  chatd_process proc(CHATD_BINARY,
                     {"--listen", "127.0.0.1:0", "--db", url, "--metrics-listen", "127.0.0.1:0",
                      "--requests-per-second", "1000", "--request-burst", "1000"});
  REQUIRE(proc.wait_listening());
  auto w = make_world([&proc] { return proc.port(); }, 2, 3, 8);
  for (auto& s : w.senders) s->start();
  run_for(1s);
  {  // fill what is left of the filesystem
    std::ofstream filler(dir / "filler", std::ios::binary);
    std::string block(64 * 1024, 'x');
    while (filler.write(block.data(), static_cast<std::streamsize>(block.size()))) {
    }
  }
  run_for(scaled(4000, 15000) * 1ms);
  auto log_full = proc.log();
  fs::remove(dir / "filler");  // space again
  auto acks = settle_all(w);
  std::int64_t unavailable = 0;
  for (auto& s : w.senders) unavailable += s->unavailable_answers();
  WARN("full disk: " << acks.size() << " acked, " << unavailable << " answered unavailable");
  CHECK(unavailable > 0);
  CHECK(log_full.find("actors: unavailable: log_writer") != std::string::npos);
  auto metrics = http_request(proc.metrics_port(), "GET", "/metrics");
  CHECK(metrics.body.find("chatd_errors_total{code=\"unavailable\"}") != std::string::npos);
  // Every unavailable answer on a socket: a metric, and (rate limited) a log line.
  CHECK(metrics.body.find("chatd_unavailable_total{source=\"websocket\"}") != std::string::npos);
  CHECK(log_full.find("actors: unavailable: websocket") != std::string::npos);
  require_acked_stored_once(url, acks);
  well_behaved_client_works(proc.port(), w);
}

TEST_CASE("Many clients reconnect at once after a restart and all resync", "[faults]") {
  const int clients = scaled(200, 2000);
  const int per_user = 5;
  test_database db(db_kind::sqlite);
  auto start = [&] {
    // A descriptor table big enough for every client (chatd's default may be 1024).
    return std::make_unique<chatd_process>(
        "/usr/bin/prlimit",
        std::vector<std::string>{"--nofile=20000:20000", CHATD_BINARY, "--listen", "127.0.0.1:0",
                                 "--db", db.url(), "--metrics-listen", "127.0.0.1:0"});
  };
  auto proc = start();
  REQUIRE(proc->wait_listening());
  struct rlimit lim {
    20000, 20000
  };
  ::setrlimit(RLIMIT_NOFILE, &lim);  // this process holds every client socket too
  std::vector<account> users;
  for (int i = 0; i < clients / per_user; ++i)
    users.push_back(register_from(proc->port(), "rc" + std::to_string(i), i));
  // Everyone is in one of a few groups with some history to catch up on.
  std::vector<protocol::id_t> group_of(users.size());
  for (std::size_t g = 0; g * 50 < users.size(); ++g) {
    std::vector<std::string> names;
    for (std::size_t i = g * 50 + 1; i < std::min(users.size(), (g + 1) * 50); ++i)
      names.push_back(users[i].username);
    auto owner = chat_client::open(proc->port(), users[g * 50]);
    auto id = owner->create_group("big" + std::to_string(g), names);
    for (int m = 0; m < 20; ++m) owner->send_message(id, "h" + std::to_string(m), "history");
    for (std::size_t i = g * 50; i < std::min(users.size(), (g + 1) * 50); ++i) group_of[i] = id;
  }
  REQUIRE(proc->stop(SIGTERM) == 0);
  proc = start();
  REQUIRE(proc->wait_listening());
  auto port = proc->port();
  // All at once: many threads, each bringing up its share of the clients as fast as it can.
  std::atomic<int> resynced{0}, failed{0};
  std::vector<std::unique_ptr<ws_client>> kept(static_cast<std::size_t>(clients));
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  const int n_threads = 32;
  for (int t = 0; t < n_threads; ++t) {
    threads.emplace_back([&, t] {
      for (int c = t; c < clients; c += n_threads) {
        auto u = static_cast<std::size_t>(c / per_user);
        auto r = ws_client::connect(port, {{"Cookie", "chatd_session=" + users[u].cookie}}, 60s,
                                    "127.0.3." + std::to_string(1 + c / 200));
        if (!r.client) {
          ++failed;
          continue;
        }
        r.client->send_text(R"({"type":"hello","id":"h","version":1})");
        protocol::sync_req s{"s", {{group_of[u], 0}}};
        r.client->send_text(protocol::serialize(protocol::request{s}));
        bool done = false;
        auto deadline = std::chrono::steady_clock::now() + 60s;
        while (!done && std::chrono::steady_clock::now() < deadline) {
          auto got = r.client->read(1s);
          if (got.what == ws_read::kind::text)
            done = got.data.find("\"sync_done\"") != std::string::npos;
          else if (got.what != ws_read::kind::timeout)
            break;
        }
        (done ? resynced : failed)++;
        kept[static_cast<std::size_t>(c)] = std::move(r.client);
      }
    });
  }
  for (auto& t : threads) t.join();
  auto secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  WARN(clients << " clients reconnected after a restart: " << resynced << " resynced in " << secs
               << " s (" << failed << " failed)");
  CHECK(resynced == clients);
  CHECK(failed == 0);
}

TEST_CASE("A user hammering list_conversations does not slow another user's requests (SQLite)",
          "[faults]") {
  hammering_user(db_kind::sqlite);
}

TEST_CASE("A user hammering list_conversations does not slow another user's requests (MariaDB)",
          "[faults][mysql]") {
  if (mysql_enabled() && long_form()) hammering_user(db_kind::mysql);
}
