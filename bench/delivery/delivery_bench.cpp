// A small delivery benchmark over real loopback sockets: one busy group, N members connected,
// S of them blasting messages (a window of unacknowledged sends each). Reports acked and delivered
// messages per second, then opens K idle authenticated sockets and reports chatd's RSS per idle
// connection (VmRSS before and after). Starts its own chatd on a temp SQLite file (or --db URL),
// stops by itself. Not a test: numbers go to bench/README.md.
#include <sys/resource.h>
#include <unistd.h>
#include <algorithm>
#include <array>
#include <atomic>
#include <barrier>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "protocol/limits.hpp"
#include "protocol/parser.hpp"
#include "protocol/serializer.hpp"
#include "tests/e2e/chatd_process.hpp"
#include "tests/e2e/client.hpp"

using namespace chat;
using namespace std::chrono;
using e2e::ws_client;

namespace {

struct options {
  std::string chatd = CHATD_BINARY;
  std::string db;  // empty: a temp SQLite file
  int members = 20;
  int senders = 4;
  int messages = 2000;  // per sender
  int window = 32;
  int idle = 1000;
  bool sync = true;       // --sync 0: stay silent after welcome (as the bench did before)
  std::string sync_hold;  // --sync-hold TIME: passed to chatd (empty: chatd's default)
};

// The chatd under test: die() must not leave it running (exit() skips local destructors).
e2e::chatd_process* g_chatd = nullptr;

[[noreturn]] void die(const std::string& why) {
  std::fprintf(stderr, "delivery_bench: %s\n", why.c_str());
  if (g_chatd) g_chatd->stop(SIGKILL);
  std::exit(1);
}

struct account {
  std::string name, cookie;
};

// Registration is rate-limited per client IP: spread users over 127.0.0.x source addresses.
std::string source_ip(int i) {
  return "127.0.0." + std::to_string(2 + i / 20);
}

account register_user(std::uint16_t port, const std::string& name, int i) {
  std::string body = R"({"username":")" + name + R"(","password":"bench password 123"})";
  for (int attempt = 0; attempt < 50; ++attempt) {
    auto r = e2e::http_request(port, "POST", "/api/register", body, {}, 10s, source_ip(i));
    if (r.status == 201) return {name, r.set_cookie("chatd_session")};
    if (r.status != 429) die("register " + name + ": " + std::to_string(r.status) + " " + r.body);
    std::this_thread::sleep_for(1s);
  }
  die("register " + name + ": still rate limited");
}

std::optional<protocol::server_frame> read_frame(ws_client& c, milliseconds timeout) {
  auto r = c.read(timeout);
  if (r.what != e2e::ws_read::kind::text) {
    if (r.what == e2e::ws_read::kind::closed)
      die("server closed a bench socket: " + std::to_string(r.close_code) + " " + r.reason);
    return std::nullopt;
  }
  auto p = protocol::parse_server_frame(r.data);
  if (auto* e = std::get_if<protocol::parse_error>(&p)) die("unparsable frame: " + e->message);
  return std::get<protocol::server_frame>(std::move(p));
}

std::unique_ptr<ws_client> connect(std::uint16_t port, const account& a, int i, bool sync) {
  auto r = ws_client::connect(port, {{"Cookie", "chatd_session=" + a.cookie}}, 10s, source_ip(i));
  if (!r.client) die("upgrade: " + std::to_string(r.http_status) + " " + r.error);
  r.client->send_text(protocol::serialize(
      protocol::request{protocol::hello_req{"hello", protocol::protocol_version, std::nullopt}}));
  while (true) {
    auto f = read_frame(*r.client, 10s);
    if (!f) die("no welcome");
    if (std::holds_alternative<protocol::welcome_frame>(*f)) break;
    if (auto* e = std::get_if<protocol::error_frame>(&*f)) die("hello refused: " + e->message);
  }
  // As real clients do after welcome: sync what it holds (nothing yet), which also ends the
  // server's welcome hold of live events (docs/protocol.md 10).
  if (!sync) return std::move(r.client);
  r.client->send_text(protocol::serialize(protocol::request{protocol::sync_req{"sync", {}}}));
  while (true) {
    auto f = read_frame(*r.client, 10s);
    if (!f) die("no sync_done");
    if (std::holds_alternative<protocol::sync_done_frame>(*f)) break;
    if (auto* e = std::get_if<protocol::error_frame>(&*f)) die("sync refused: " + e->message);
  }
  return std::move(r.client);
}

options parse(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--chatd")
      o.chatd = v;
    else if (k == "--db")
      o.db = v;
    else if (k == "--members")
      o.members = std::stoi(v);
    else if (k == "--senders")
      o.senders = std::stoi(v);
    else if (k == "--messages")
      o.messages = std::stoi(v);
    else if (k == "--window")
      o.window = std::stoi(v);
    else if (k == "--sync")
      o.sync = v != "0";
    else if (k == "--sync-hold")
      o.sync_hold = v;
    else if (k == "--idle")
      o.idle = std::stoi(v);
    else
      die("unknown flag " + k +
          " (--chatd --db --members --senders --messages --window --idle --sync --sync-hold)");
  }
  if (argc % 2 == 0) die("flags come in pairs");
  o.senders = std::min(o.senders, o.members);
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  auto o = parse(argc, argv);
  // Many sockets on both sides: lift the soft descriptor limit (chatd inherits it).
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  std::string db_file;
  if (o.db.empty()) {
    db_file = "/tmp/chatd-bench-" + std::to_string(::getpid()) + ".db";
    o.db = "sqlite:" + db_file;
  }
  std::vector<std::string> args{
      "--listen", "127.0.0.1:0",           "--metrics-listen", "127.0.0.1:0",     "--db",
      o.db,       "--requests-per-second", "100000",           "--request-burst", "100000"};
  if (!o.sync_hold.empty()) args.insert(args.end(), {"--sync-hold", o.sync_hold});
  e2e::chatd_process srv(o.chatd, args);
  g_chatd = &srv;
  if (!srv.wait_listening()) die("chatd did not start:\n" + srv.log());
  auto port = srv.port();
  std::printf("chatd pid %d on port %u, db %s\n", srv.pid(), port, o.db.c_str());

  // ---- one busy group ----
  std::vector<account> users;
  for (int i = 0; i < o.members; ++i)
    users.push_back(register_user(port, "member" + std::to_string(i), i));
  std::vector<std::unique_ptr<ws_client>> socks;
  for (int i = 0; i < o.members; ++i) socks.push_back(connect(port, users[i], i, o.sync));
  protocol::create_group_req g{"g", "bench", {}};
  for (int i = 1; i < o.members; ++i) g.members.push_back(users[i].name);
  socks[0]->send_text(protocol::serialize(protocol::request{g}));
  std::int64_t conv = 0;
  while (!conv) {
    auto f = read_frame(*socks[0], 10s);
    if (!f) die("no reply to create_group");
    if (auto* c = std::get_if<protocol::conversation_frame>(&*f)) conv = c->conversation.id;
    if (auto* e = std::get_if<protocol::error_frame>(&*f)) die("create_group: " + e->message);
  }
  // Let membership events settle, then drop them.
  std::this_thread::sleep_for(500ms);
  for (auto& s : socks)
    while (read_frame(*s, 50ms)) {
    }

  const std::int64_t total = std::int64_t{o.senders} * o.messages;
  std::atomic<std::int64_t> acked{0}, delivered{0};
  // Send time of every message (ns since t_base), for ack and delivery latency percentiles.
  const auto t_base = steady_clock::now();
  auto since_base = [&] {
    return duration_cast<nanoseconds>(steady_clock::now() - t_base).count();
  };
  std::vector<std::atomic<std::int64_t>> sent_at(static_cast<std::size_t>(total));
  std::vector<std::vector<std::int64_t>> ack_ns(o.members), delivery_ns(o.members);
  std::vector<steady_clock::time_point> last_ack(o.members), last_delivery(o.members);
  std::barrier start(o.members + 1);
  std::vector<std::thread> threads;
  for (int i = 0; i < o.members; ++i) {
    threads.emplace_back([&, i] {
      auto& ws = *socks[i];
      bool sender = i < o.senders;
      int sent = 0, outstanding = 0, acks = 0;
      std::int64_t events = 0;
      auto send_one = [&] {
        sent_at[static_cast<std::size_t>(i) * o.messages + sent].store(since_base(),
                                                                       std::memory_order_release);
        std::string n = std::to_string(sent++);
        ws.send_text(protocol::serialize(protocol::request{protocol::send_req{
            "s" + n, conv, "c" + std::to_string(i) + "-" + n, "message " + n + " from bench"}}));
        ++outstanding;
      };
      start.arrive_and_wait();
      if (sender)
        while (sent < o.messages && outstanding < o.window) send_one();
      while (events < total || (sender && acks < o.messages)) {
        auto f = read_frame(ws, 20s);
        if (!f) break;  // stalled: report what we have
        if (auto* e = std::get_if<protocol::event_frame>(&*f)) {
          if (e->conversation == conv && e->type == "message") {
            ++events;
            ++delivered;
            last_delivery[i] = steady_clock::now();
            // client_msg_id "c<sender>-<n>": latency from that send to this delivery.
            auto dash = e->client_msg_id.find('-');
            if (e->client_msg_id.size() > 1 && dash != std::string::npos) {
              auto from = std::stoll(e->client_msg_id.substr(1, dash - 1));
              auto n = std::stoll(e->client_msg_id.substr(dash + 1));
              auto at = sent_at[static_cast<std::size_t>(from * o.messages + n)].load(
                  std::memory_order_acquire);
              delivery_ns[i].push_back(since_base() - at);
            }
          }
        } else if (auto* a = std::get_if<protocol::ack_frame>(&*f)) {
          auto n = std::stoll(a->ref.substr(1));  // ref "s<n>"
          ack_ns[i].push_back(since_base() -
                              sent_at[static_cast<std::size_t>(i) * o.messages + n].load(
                                  std::memory_order_acquire));
          ++acks;
          ++acked;
          --outstanding;
          last_ack[i] = steady_clock::now();
          if (sent < o.messages) send_one();
        } else if (auto* err = std::get_if<protocol::error_frame>(&*f)) {
          die("error frame: " + std::string(protocol::to_string(err->code)) + " " + err->message);
        }
      }
    });
  }
  start.arrive_and_wait();
  auto t0 = steady_clock::now();
  for (auto& t : threads) t.join();
  auto t_ack = *std::max_element(last_ack.begin(), last_ack.begin() + o.senders);
  auto t_del = *std::max_element(last_delivery.begin(), last_delivery.end());
  double ack_s = duration<double>(t_ack - t0).count();
  double del_s = duration<double>(t_del - t0).count();
  std::printf("group: %d members, %d senders x %d messages, window %d\n", o.members, o.senders,
              o.messages, o.window);
  std::printf("acked:     %lld / %lld in %.2f s = %.0f msgs/s\n", (long long)acked.load(),
              (long long)total, ack_s, acked.load() / ack_s);
  std::printf(
      "delivered: %lld / %lld in %.2f s = %.0f deliveries/s (%.0f msgs/s fully fanned out)\n",
      (long long)delivered.load(), (long long)(total * o.members), del_s, delivered.load() / del_s,
      delivered.load() / del_s / o.members);
  auto percentiles = [](std::vector<std::vector<std::int64_t>>& per_thread) {
    std::vector<std::int64_t> all;
    for (auto& v : per_thread) all.insert(all.end(), v.begin(), v.end());
    std::sort(all.begin(), all.end());
    auto at = [&](double q) {
      return all.empty() ? 0.0 : all[std::min(all.size() - 1, std::size_t(q * all.size()))] / 1e6;
    };
    return std::array<double, 3>{at(0.5), at(0.99), all.empty() ? 0.0 : all.back() / 1e6};
  };
  auto ack_p = percentiles(ack_ns), del_p = percentiles(delivery_ns);
  std::printf("latency ms: ack p50 %.2f p99 %.2f max %.2f; delivery p50 %.2f p99 %.2f max %.2f\n",
              ack_p[0], ack_p[1], ack_p[2], del_p[0], del_p[1], del_p[2]);
  socks.clear();
  // The log writer's view of the same run: how well group commit batched.
  auto metrics = e2e::http_request(srv.metrics_port(), "GET", "/metrics");
  auto value = [&](const std::string& name) {
    auto at = metrics.body.find("\n" + name + " ");
    return at == std::string::npos ? -1.0 : std::atof(metrics.body.c_str() + at + name.size() + 2);
  };
  double batches = value("chatd_log_batch_size_count"), events = value("chatd_log_batch_size_sum");
  if (batches > 0)
    std::printf(
        "log writer: %.0f events in %.0f commits (mean batch %.1f), mean commit %.2f ms, max %.2f "
        "ms\n",
        events, batches, events / batches, 1000 * value("chatd_log_commit_seconds_sum") / batches,
        1000 * value("chatd_log_commit_seconds_max"));

  // ---- RSS per idle connection ----
  if (o.idle > 0) {
    int per_user = protocol::limits::max_connections_per_user;
    int n_users = (o.idle + per_user - 1) / per_user;
    std::vector<account> idle_users;
    for (int i = 0; i < n_users; ++i)
      idle_users.push_back(register_user(port, "idle" + std::to_string(i), o.members + i));
    std::this_thread::sleep_for(1s);
    long before = srv.rss_kib();
    std::vector<std::unique_ptr<ws_client>> idle;
    for (int i = 0; i < o.idle; ++i)
      idle.push_back(connect(port, idle_users[i / per_user], o.members + i / per_user, o.sync));
    std::this_thread::sleep_for(2s);
    long after = srv.rss_kib();
    std::printf(
        "idle: %d authenticated sockets, chatd VmRSS %ld KiB -> %ld KiB = %.1f KiB per "
        "connection\n",
        o.idle, before, after, double(after - before) / o.idle);
  }
  int rc = srv.stop(SIGTERM);
  std::printf("chatd exit %d\n", rc);
  if (!db_file.empty())
    for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(db_file + ext);
  return 0;
}
