#include "bench/chat/scenarios.hpp"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cmath>
#include <ctime>
#include <deque>
#include <mutex>
#include <numeric>
#include <random>
#include <stdexcept>
#include <thread>

#include "bench/chat/ws_conn.hpp"
#include "tests/e2e/client.hpp"

namespace chat::bench {
namespace {

namespace net = boost::asio;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using conn_ptr = std::shared_ptr<ws_conn>;

std::int64_t us_since(clock_type::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - t).count();
}
double seconds_since(clock_type::time_point t) {
  return std::chrono::duration<double>(clock_type::now() - t).count();
}

// Client addresses: connection i uses 127.0.0.(10 + i / 20000), so past ~28k connections the
// ports of one address do not run out. Registration spreads over 127.0.1.x (30 per address
// fit the per-address register limit's burst).
std::string conn_ip(int i) {
  return "127.0.0." + std::to_string(10 + i / 20000);
}
std::string register_ip(int i) {
  return "127.0.1." + std::to_string(1 + i / 25);
}

// ---- accounts (chatd): plain HTTP, the same API the web client uses ----

struct account {
  std::string name, cookie;
};

std::vector<account> register_users(std::uint16_t port, int n, const std::string& kind) {
  // Unique per run and per call: a MariaDB database given with --db outlives the run, and
  // --repeat registers the same kind again in it.
  static const std::string run = std::to_string(std::time(nullptr) % 1000000);
  static std::atomic<int> calls{0};
  const std::string prefix = kind + run + "r" + std::to_string(calls++) + "u";
  std::vector<account> out(static_cast<std::size_t>(n));
  std::mutex mu;
  std::string failure;
  auto worker = [&](int from, int step) {
    for (int i = from; i < n; i += step) {
      auto name = prefix + std::to_string(i);
      std::string body = R"({"username":")" + name + R"(","password":"bench password 123"})";
      e2e::http_response r;
      for (int attempt = 0; attempt < 60; ++attempt) {
        r = e2e::http_request(port, "POST", "/api/register", body, {}, 30s, register_ip(i));
        if (r.status != 429) break;
        std::this_thread::sleep_for(1s);
      }
      if (r.status != 201) {
        std::lock_guard lock(mu);
        failure = "register " + name + ": " + std::to_string(r.status) + " " + r.body + r.error;
        return;
      }
      out[static_cast<std::size_t>(i)] = {name, r.set_cookie("chatd_session")};
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(worker, t, 4);
  for (auto& t : threads) t.join();
  if (!failure.empty()) throw std::runtime_error(failure);
  return out;
}

// ---- the async side ----

struct driver {
  net::io_context ioc;
  std::vector<conn_ptr> conns;

  template <class Pred>
  bool run_until(Pred pred, std::chrono::milliseconds limit) {
    auto deadline = clock_type::now() + limit;
    while (!pred()) {
      if (clock_type::now() >= deadline) return false;
      ioc.run_one_for(10ms);
    }
    return true;
  }
  int closed() const {
    int n = 0;
    for (auto& c : conns) n += c->is_closed ? 1 : 0;
    return n;
  }
};

bool starts_with(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}

// The integer at the start of a body / room frame ("123:..."), or -1.
std::int64_t leading_int(std::string_view s) {
  std::int64_t v = 0;
  std::size_t i = 0;
  for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) v = v * 10 + (s[i] - '0');
  return i == 0 ? -1 : v;
}

// A chatd event frame's body (escaping does not matter: bench bodies are ASCII digits and
// letters).
std::string_view body_of(std::string_view frame) {
  auto at = frame.find("\"body\":\"");
  if (at == std::string_view::npos) return {};
  return frame.substr(at + 8);
}
// The number in `"<field>":<n>`, or -1.
std::int64_t int_field(std::string_view frame, std::string_view field) {
  std::string key = "\"" + std::string(field) + "\":";
  auto at = frame.find(key);
  if (at == std::string_view::npos) return -1;
  return leading_int(frame.substr(at + key.size()));
}

std::string padded(std::string head, int bytes) {
  if (static_cast<int>(head.size()) < bytes)
    head.append(static_cast<std::size_t>(bytes) - head.size(), 'x');
  return head;
}

std::string send_frame(std::int64_t conv, const std::string& id, const std::string& body) {
  return R"({"type":"send","id":")" + id + R"(","conversation":)" + std::to_string(conv) +
         R"(,"client_msg_id":")" + id + R"(","body":")" + body + R"("})";
}

/// Message k of a room scenario: a durable send for chatd, the bare body ("k:xxx…") for the
/// references' room protocol.
std::string room_message(bool chat, std::int64_t conv, std::int64_t k, int body_bytes) {
  auto body = padded(std::to_string(k) + ":", body_bytes);
  return chat ? send_frame(conv, std::to_string(k), body) : body;
}

/// Reads what a room member receives: the number of the message a frame delivers (-1 for
/// none), counting chatd's acks and errors on the way.
struct room_reader {
  bool chat;
  std::int64_t acked = 0, errors = 0;
  std::int64_t message_of(std::string_view text) {
    if (!chat) return leading_int(text);
    if (starts_with(text, R"({"type":"event")")) return leading_int(body_of(text));
    if (starts_with(text, R"({"type":"ack")"))
      ++acked;
    else if (starts_with(text, R"({"type":"error")"))
      ++errors;
    return -1;
  }
};

/// Opens `n` connections (at most `concurrency` handshakes at a time); for chatd each says hello,
/// syncs after its welcome and counts as ready at its sync_done. Returns the time each took (open →
/// ready), µs.
latencies connect_all(driver& d, const target& t, int n, int concurrency,
                      const std::vector<account>& accounts, std::chrono::milliseconds limit) {
  latencies times;
  int started = 0, ready = 0, failed = 0;
  std::vector<char> settled(static_cast<std::size_t>(n), 0);  // ready or failed, by index
  const std::size_t first = d.conns.size();
  endpoint ep{"127.0.0.1", t.port(), t.ws_path()};
  std::function<void()> start_next;
  auto done_one = [&](ws_conn& c, bool ok) {
    auto& s = settled[static_cast<std::size_t>(c.index)];
    if (s) return;
    s = 1;
    if (ok) {
      ++ready;
      times.add(us_since(c.started));
    } else {
      ++failed;
    }
    start_next();
  };
  start_next = [&] {
    if (started >= n) return;
    int i = started++;
    auto c = ws_conn::create(d.ioc, i);
    d.conns.push_back(c);
    const std::string cookie =
        accounts.empty() ? "" : accounts[static_cast<std::size_t>(i) % accounts.size()].cookie;
    bool chat = t.chat_protocol();
    c->on_open = [&, chat](ws_conn& self, const std::string& err) {
      if (!err.empty()) return done_one(self, false);
      if (!chat) return done_one(self, true);
      self.send(R"({"type":"hello","id":"h","version":1})");
    };
    c->on_text = [&](ws_conn& self, std::string_view text) {
      if (settled[static_cast<std::size_t>(self.index)]) return;
      if (starts_with(text, R"({"type":"welcome")")) {
        // As real clients do: sync after welcome (nothing held yet), which also ends the
        // server's welcome hold of live events.
        self.send(R"({"type":"sync","id":"s","positions":[]})");
      } else if (starts_with(text, R"({"type":"sync_done")")) {
        done_one(self, true);
      } else if (starts_with(text, R"({"type":"error")")) {
        done_one(self, false);
      }
    };
    c->on_closed = [&](ws_conn& self, int) { done_one(self, false); };
    c->open(ep, conn_ip(i), cookie);
  };
  for (int k = 0; k < std::min(n, concurrency); ++k) start_next();
  d.run_until([&] { return ready + failed >= n; }, limit);
  // The handlers refer to this function's locals: none may run after it returns.
  for (auto i = first; i < d.conns.size(); ++i) {
    d.conns[i]->on_open = nullptr;
    d.conns[i]->on_text = nullptr;
    d.conns[i]->on_closed = nullptr;
  }
  if (ready < n)
    throw std::runtime_error(std::to_string(n - ready) + " of " + std::to_string(n) +
                             " connections failed to open");
  return times;
}

/// A blocking chat client for set-up requests (create_group, open_direct).
class setup_client {
 public:
  setup_client(std::uint16_t port, const account& a) {
    auto r =
        e2e::ws_client::connect(port, {{"Cookie", "chatd_session=" + a.cookie}}, 10s, "127.0.0.9");
    if (!r.client) throw std::runtime_error("setup upgrade failed: " + r.error);
    ws_ = std::move(r.client);
    call(R"({"type":"hello","id":"h","version":1})", "welcome");
  }
  /// Sends a request and returns the first frame of `type` (an error frame throws).
  std::string call(const std::string& req, const std::string& type) {
    ws_->send_text(req);
    std::string want = R"({"type":")" + type + "\"";
    while (true) {
      auto r = ws_->read(30s);
      if (r.what != e2e::ws_read::kind::text) throw std::runtime_error("setup: no " + type);
      if (starts_with(r.data, want)) return r.data;
      if (starts_with(r.data, R"({"type":"error")")) throw std::runtime_error("setup: " + r.data);
    }
  }
  std::int64_t create_group(const std::vector<std::string>& members) {
    std::string req = R"({"type":"create_group","id":"g","title":"bench","members":[)";
    for (std::size_t i = 0; i < members.size(); ++i) req += (i ? ",\"" : "\"") + members[i] + "\"";
    req += "]}";
    auto f = call(req, "conversation");
    return int_field(f, "id");
  }
  std::int64_t open_direct(const std::string& peer) {
    auto f = call(R"({"type":"open_direct","id":"d","username":")" + peer + "\"}", "conversation");
    return int_field(f, "id");
  }

 private:
  std::unique_ptr<e2e::ws_client> ws_;
};

/// Sends items at t0 + k / rate, k = 0..count-1 (open loop: a late sender catches up, latency
/// still counts from the due time).
struct pacer {
  net::steady_timer timer;
  clock_type::time_point t0;
  double rate;
  std::int64_t count, next = 0;
  std::function<void(std::int64_t)> send;
  pacer(net::io_context& ioc, double r, std::int64_t n) : timer(ioc), rate(r), count(n) {}
  clock_type::time_point due(std::int64_t k) const {
    return t0 + std::chrono::duration_cast<clock_type::duration>(
                    std::chrono::duration<double>(static_cast<double>(k) / rate));
  }
  void start() {
    t0 = clock_type::now();
    tick();
  }
  void tick() {
    auto now = clock_type::now();
    while (next < count && due(next) <= now) send(next++);
    if (next >= count) return;
    timer.expires_at(due(next));
    timer.async_wait([this](boost::system::error_code ec) {
      if (!ec) tick();
    });
  }
};

run_result new_run(const char* scenario, server_kind kind, const scenario_options& o) {
  run_result r;
  r.scenario = scenario;
  r.server = name_of(kind);
  r.param("server_threads", static_cast<double>(o.target.server_threads));
  return r;
}

void finish_server(run_result& r, target& t) {
  int rc = t.stop();
  if (t.kind() == server_kind::chatd && rc != 0)
    r.note += (r.note.empty() ? "" : "; ") + std::string("chatd exit ") + std::to_string(rc);
}

/// The log writer's batching over the measured part (chatd's /metrics): read before and after.
struct batch_probe {
  double events = 0, commits = 0, commit_s = 0;
  explicit batch_probe(const target& t)
      : events(t.metric("chatd_log_batch_size_sum")),
        commits(t.metric("chatd_log_batch_size_count")),
        commit_s(t.metric("chatd_log_commit_seconds_sum")) {}
  /// Adds events_per_commit and commit_ms_mean (nothing for servers without the metrics).
  void report(run_result& r, const target& t) const {
    batch_probe now(t);
    double n = now.commits - commits;
    if (!(n > 0)) return;
    r.figure("events_per_commit", (now.events - events) / n);
    r.figure("commit_ms_mean", (now.commit_s - commit_s) / n * 1000);
  }
};

/// Who a scenario needs before t0, made the same way for every scenario: `users` accounts signed
/// up (chatd only: the references have no accounts), a DM for each pair, a group per entry of
/// `groups` (creator first), then `connect` of them online (hello, welcome, sync) through one
/// driver. Conversation ids come back in the order asked for.
struct cast_spec {
  std::string kind;  ///< username prefix: one scenario's accounts apart from another's
  int users = 0;
  std::vector<std::pair<int, int>> dms;  ///< (opener, peer) account indexes
  std::vector<std::vector<int>> groups;  ///< account indexes, the creator first
};

struct cast {
  std::vector<account> accounts;  ///< empty for the reference servers
  std::vector<std::int64_t> dms, groups;

  cast(const target& t, const cast_spec& s) {
    if (!t.chat_protocol()) {
      dms.assign(s.dms.size(), 0);
      groups.assign(s.groups.size(), 0);
      return;
    }
    accounts = register_users(t.port(), s.users, s.kind);
    auto at = [&](int i) -> const account& { return accounts[static_cast<std::size_t>(i)]; };
    for (auto [a, b] : s.dms) dms.push_back(setup_client(t.port(), at(a)).open_direct(at(b).name));
    for (auto& g : s.groups) {
      std::vector<std::string> names;
      for (std::size_t k = 1; k < g.size(); ++k) names.push_back(at(g[k]).name);
      groups.push_back(setup_client(t.port(), at(g.front())).create_group(names));
    }
  }
  /// Accounts `from`.. `from + n - 1` (for chatd), in connection order.
  std::vector<account> slice(int from, int n) const {
    if (accounts.empty()) return {};
    return {accounts.begin() + from, accounts.begin() + from + n};
  }
  /// Puts `n` connections online, the i-th signed in as slice(from, n)[i % n] (chatd).
  latencies connect(driver& d, const target& t, int n, int concurrency,
                    std::chrono::milliseconds limit, int from = 0) const {
    return connect_all(d, t, n, concurrency, slice(from, std::min(n, users())), limit);
  }
  int users() const { return static_cast<int>(accounts.size()); }
};

/// The room of the fan-out scenarios: `members` accounts in one group (chatd), every one of them
/// online through `d`. Returns the group's id (0 for the references' single room).
std::int64_t open_room(driver& d, const target& t, const char* kind, int members) {
  std::vector<int> room(static_cast<std::size_t>(members));
  std::iota(room.begin(), room.end(), 0);
  const cast people(t, {kind, members, {}, {room}});
  people.connect(d, t, members, 100, 120s);
  return people.groups[0];
}

}  // namespace

// ---- fan-out: N connections in one room, S of them sending at a fixed total rate ----

run_result run_fanout(server_kind kind, const scenario_options& o) {
  auto r = new_run("fanout", kind, o);
  r.param("members", o.members);
  r.param("senders", o.senders);
  r.param("offered_deliveries_per_s", o.rate);
  r.param("seconds", o.seconds);
  r.param("body_bytes", o.body_bytes);
  target t(kind, o.target);
  driver d;
  const std::int64_t conv = open_room(d, t, "fan", o.members);
  const double msg_rate = o.rate / o.members;
  const auto total = static_cast<std::int64_t>(std::llround(msg_rate * o.seconds));
  const std::int64_t expected = total * o.members;
  pacer p(d.ioc, msg_rate, total);
  latencies lat;
  std::int64_t delivered = 0;
  auto last_delivery = clock_type::now();
  room_reader reader{t.chat_protocol()};
  for (auto& c : d.conns) {
    c->on_text = [&](ws_conn&, std::string_view text) {
      auto k = reader.message_of(text);
      if (k < 0) return;
      ++delivered;
      last_delivery = clock_type::now();
      lat.add(
          std::chrono::duration_cast<std::chrono::microseconds>(last_delivery - p.due(k)).count());
    };
  }
  p.send = [&](std::int64_t k) {
    d.conns[static_cast<std::size_t>(k % o.senders)]->send(
        room_message(reader.chat, conv, k, o.body_bytes));
  };
  batch_probe batches(t);
  t.start_profile("fanout-" + std::to_string(static_cast<long>(o.rate)));
  double cpu0 = t.cpu_seconds();
  p.start();
  d.run_until([&] { return p.next >= total; },
              std::chrono::milliseconds(static_cast<long>(o.seconds * 1000 + 60000)));
  d.run_until([&] { return delivered >= expected || d.closed() == o.members; }, 10s);
  double cpu1 = t.cpu_seconds();
  t.stop_profile();
  double elapsed = std::chrono::duration<double>(last_delivery - p.t0).count();
  r.figure("delivered", static_cast<double>(delivered));
  r.figure("expected", static_cast<double>(expected));
  r.figure("delivered_per_s", elapsed > 0 ? static_cast<double>(delivered) / elapsed : 0);
  r.figure("p50_ms", lat.ms(0.50));
  r.figure("p99_ms", lat.ms(0.99));
  r.figure("p999_ms", lat.ms(0.999));
  r.figure("max_ms", lat.max_ms());
  r.figure("cpu_s_per_1k",
           delivered > 0 ? (cpu1 - cpu0) / static_cast<double>(delivered) * 1000 : 0);
  r.figure("closed", d.closed());
  r.figure("errors", static_cast<double>(reader.errors));
  batches.report(r, t);
  if (delivered < expected) r.note = std::to_string(expected - delivered) + " deliveries missing";
  finish_server(r, t);
  return r;
}

// ---- burst: a room's messages all sent at once; every member gets each once, nobody closed ----

run_result run_burst(server_kind kind, const scenario_options& o) {
  auto r = new_run("burst", kind, o);
  r.param("members", o.members);
  r.param("senders", o.senders);
  r.param("messages", o.messages);
  r.param("body_bytes", o.body_bytes);
  target t(kind, o.target);
  driver d;
  const std::int64_t conv = open_room(d, t, "bu", o.members);
  const std::int64_t n = o.messages, expected = n * o.members;
  // Which messages each member has had: a second copy is a duplicate, not a delivery.
  std::vector<std::vector<char>> seen(static_cast<std::size_t>(o.members),
                                      std::vector<char>(static_cast<std::size_t>(n), 0));
  std::int64_t delivered = 0, duplicates = 0;
  room_reader reader{t.chat_protocol()};
  latencies lat;  // burst start -> arrival at a member
  auto t0 = clock_type::now(), last_delivery = t0;
  for (auto& c : d.conns) {
    c->on_text = [&](ws_conn& self, std::string_view text) {
      auto k = reader.message_of(text);
      if (k < 0 || k >= n) return;
      auto& s = seen[static_cast<std::size_t>(self.index)][static_cast<std::size_t>(k)];
      if (s) {
        ++duplicates;
        return;
      }
      s = 1;
      ++delivered;
      last_delivery = clock_type::now();
      lat.add(us_since(t0));
    };
  }
  batch_probe batches(t);
  t.start_profile("burst");
  double cpu0 = t.cpu_seconds();
  t0 = clock_type::now();
  for (std::int64_t k = 0; k < n; ++k)
    d.conns[static_cast<std::size_t>(k % o.senders)]->send(
        room_message(reader.chat, conv, k, o.body_bytes));
  auto everything = [&] {
    return (delivered >= expected && (!reader.chat || reader.acked >= n)) ||
           d.closed() == o.members;
  };
  d.run_until(everything, 120s);
  double cpu1 = t.cpu_seconds();
  t.stop_profile();
  d.run_until([] { return false; }, 200ms);  // a late duplicate or close still counts
  int closed_4008 = 0;
  for (auto& c : d.conns) closed_4008 += c->is_closed && c->close_code == 4008 ? 1 : 0;
  double took = std::chrono::duration<double>(last_delivery - t0).count();
  r.figure("delivered", static_cast<double>(delivered));
  r.figure("expected", static_cast<double>(expected));
  r.figure("duplicates", static_cast<double>(duplicates));
  r.figure("all_delivered_ms", took * 1000);
  r.figure("delivered_per_s", took > 0 ? static_cast<double>(delivered) / took : 0);
  r.figure("p50_ms", lat.ms(0.50));
  r.figure("p99_ms", lat.ms(0.99));
  r.figure("max_ms", lat.max_ms());
  r.figure("cpu_s_per_1k",
           delivered > 0 ? (cpu1 - cpu0) / static_cast<double>(delivered) * 1000 : 0);
  if (reader.chat) r.figure("acked", static_cast<double>(reader.acked));
  r.figure("closed", d.closed());
  r.figure("closed_4008", closed_4008);
  r.figure("errors", static_cast<double>(reader.errors));
  batches.report(r, t);
  std::string note;
  if (delivered < expected) note = std::to_string(expected - delivered) + " deliveries missing";
  if (duplicates > 0)
    note += (note.empty() ? "" : "; ") + std::to_string(duplicates) + " duplicate deliveries";
  if (reader.chat && reader.acked < n)
    note += (note.empty() ? "" : "; ") + std::to_string(n - reader.acked) + " sends never acked";
  r.note = note;
  finish_server(r, t);
  return r;
}

// ---- connect storm: N connections, authenticated for chatd; RSS per idle connection ----

run_result run_storm(server_kind kind, const scenario_options& o) {
  auto r = new_run("storm", kind, o);
  r.param("connections", o.connections);
  r.param("concurrency", o.concurrency);
  target t(kind, o.target);
  const cast people(t, {"st", (o.connections + 9) / 10, {}, {}});  // 10 connections per user
  std::this_thread::sleep_for(500ms);
  long rss0 = t.rss_kib();
  driver d;
  auto t0 = clock_type::now();
  auto times = people.connect(d, t, o.connections, o.concurrency, 600s);
  double took = seconds_since(t0);
  d.run_until([] { return false; }, 2s);  // settle: idle connections only from here
  long rss1 = t.rss_kib();
  r.figure("handshakes_per_s", o.connections / took);
  r.figure("connect_p50_ms", times.ms(0.5));
  r.figure("connect_p99_ms", times.ms(0.99));
  r.figure("rss_before_kib", static_cast<double>(rss0));
  r.figure("rss_after_kib", static_cast<double>(rss1));
  r.figure("rss_per_conn_kib", static_cast<double>(rss1 - rss0) / o.connections);
  r.figure("closed", d.closed());
  for (auto& c : d.conns) c->close();
  d.run_until([&] { return d.closed() == o.connections; }, 10s);
  d.conns.clear();
  std::this_thread::sleep_for(1s);
  r.figure("rss_after_close_kib", static_cast<double>(t.rss_kib()));
  finish_server(r, t);
  return r;
}

// ---- durable sends: S senders, each in its own direct conversation, W unacknowledged ----

run_result run_durable(const scenario_options& o) {
  auto r = new_run("durable", server_kind::chatd, o);
  r.param("db", o.target.db.empty() ? "sqlite" : "mysql");
  r.param("senders", o.senders);
  r.param("window", o.window);
  r.param("seconds", o.seconds);
  target t(server_kind::chatd, o.target);
  cast_spec spec{"du", 2 * o.senders, {}, {}};
  for (int i = 0; i < o.senders; ++i) spec.dms.emplace_back(i, o.senders + i);
  const cast people(t, spec);
  const auto& convs = people.dms;
  driver d;
  people.connect(d, t, o.senders, o.senders, 60s);
  latencies lat;
  std::int64_t acked = 0, errors = 0, next_id = 0;
  std::vector<std::deque<clock_type::time_point>> in_flight(static_cast<std::size_t>(o.senders));
  bool sending = true;
  auto send_one = [&](ws_conn& c) {
    auto id = std::to_string(next_id++);
    in_flight[static_cast<std::size_t>(c.index)].push_back(clock_type::now());
    c.send(send_frame(convs[static_cast<std::size_t>(c.index)], "d" + id,
                      padded(id + ":", o.body_bytes)));
  };
  for (auto& c : d.conns) {
    c->on_text = [&](ws_conn& self, std::string_view text) {
      if (starts_with(text, R"({"type":"ack")")) {
        auto& q = in_flight[static_cast<std::size_t>(self.index)];  // acks come in send order
        lat.add(us_since(q.front()));
        q.pop_front();
        ++acked;
        if (sending) send_one(self);
      } else if (starts_with(text, R"({"type":"error")")) {
        ++errors;
      }
    };
  }
  batch_probe batches(t);
  t.start_profile("durable");
  auto t0 = clock_type::now();
  for (auto& c : d.conns)
    for (int w = 0; w < o.window; ++w) send_one(*c);
  double cpu0 = t.cpu_seconds();
  d.run_until([] { return false; }, std::chrono::milliseconds(static_cast<long>(o.seconds * 1000)));
  sending = false;
  auto acked_in_time = acked;
  double took = seconds_since(t0);
  double cpu1 = t.cpu_seconds();
  t.stop_profile();
  batches.report(r, t);
  d.run_until([&] { return acked == next_id; }, 30s);
  r.figure("acked_per_s", static_cast<double>(acked_in_time) / took);
  r.figure("ack_p50_ms", lat.ms(0.5));
  r.figure("ack_p99_ms", lat.ms(0.99));
  r.figure("cpu_s_per_1k_acks",
           acked_in_time > 0 ? (cpu1 - cpu0) / static_cast<double>(acked_in_time) * 1000 : 0);
  r.figure("closed", d.closed());
  r.figure("errors", static_cast<double>(errors));
  if (acked != next_id) r.note = std::to_string(next_id - acked) + " sends never acked";
  finish_server(r, t);
  return r;
}

// ---- DM ping-pong: pairs; A sends at a fixed rate, B answers each, A measures the round trip ----

run_result run_dm(server_kind kind, const scenario_options& o) {
  auto r = new_run("dm", kind, o);
  r.param("pairs", o.pairs);
  r.param("round_trips_per_s", o.rate);
  r.param("seconds", o.seconds);
  target t(kind, o.target);
  cast_spec spec{"dm", 2 * o.pairs, {}, {}};
  for (int i = 0; i < o.pairs; ++i) spec.dms.emplace_back(2 * i, 2 * i + 1);
  const cast people(t, spec);
  const auto& convs = people.dms;
  driver d;
  // Connection 2i is pair i's initiator, 2i+1 its responder (accounts in the same order).
  people.connect(d, t, 2 * o.pairs, 2 * o.pairs, 60s);
  const auto total = static_cast<std::int64_t>(std::llround(o.rate * o.seconds));
  pacer p(d.ioc, o.rate, total);
  latencies lat;
  std::int64_t answered = 0;
  bool chat = t.chat_protocol();
  auto out = [&](ws_conn& c, const std::string& body) {
    auto pair = static_cast<std::size_t>(c.index / 2);
    c.send(chat ? send_frame(convs[pair], body.substr(0, body.find(':')), body) : body);
  };
  for (auto& c : d.conns) {
    c->on_text = [&, chat](ws_conn& self, std::string_view text) {
      std::string_view body = text;
      if (chat) {
        if (!starts_with(text, R"({"type":"event")")) return;
        body = body_of(text);
      }
      // "p<k>:" from the initiator, "r<k>:" from the responder; each also sees its own.
      if (body.empty()) return;
      bool initiator = self.index % 2 == 0;
      if (body[0] == 'p' && !initiator) {
        out(self, padded("r" + std::to_string(leading_int(body.substr(1))) + ":", o.body_bytes));
      } else if (body[0] == 'r' && initiator) {
        auto k = leading_int(body.substr(1));
        if (k % o.pairs != self.index / 2) return;  // another pair's (reference rooms)
        lat.add(std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - p.due(k))
                    .count());
        ++answered;
      }
    };
  }
  p.send = [&](std::int64_t k) {
    auto& c = *d.conns[static_cast<std::size_t>(2 * (k % o.pairs))];
    out(c, padded("p" + std::to_string(k) + ":", o.body_bytes));
  };
  t.start_profile("dm");
  double cpu0 = t.cpu_seconds();
  p.start();
  d.run_until([&] { return p.next >= total; },
              std::chrono::milliseconds(static_cast<long>(o.seconds * 1000 + 60000)));
  d.run_until([&] { return answered >= total; }, 10s);
  double cpu1 = t.cpu_seconds();
  t.stop_profile();
  r.figure("round_trips", static_cast<double>(answered));
  r.figure("rtt_p50_ms", lat.ms(0.5));
  r.figure("rtt_p99_ms", lat.ms(0.99));
  r.figure("rtt_p999_ms", lat.ms(0.999));
  r.figure("cpu_s_per_1k_round_trips",
           answered > 0 ? (cpu1 - cpu0) / static_cast<double>(answered) * 1000 : 0);
  r.figure("closed", d.closed());
  if (answered < total) r.note = std::to_string(total - answered) + " round trips missing";
  finish_server(r, t);
  return r;
}

// ---- reconnect and sync: M messages arrive while B is away; B connects and syncs ----

run_result run_sync(const scenario_options& o) {
  auto r = new_run("sync", server_kind::chatd, o);
  r.param("missed", o.missed);
  r.param("body_bytes", o.body_bytes);
  target t(server_kind::chatd, o.target);
  const cast people(t, {"sy", 2, {{0, 1}}, {}});
  const auto conv = people.dms[0];
  {
    driver d;
    people.connect(d, t, 1, 1, 30s);
    std::int64_t sent = 0, acked = 0;
    auto& c = *d.conns[0];
    auto send_one = [&] {
      auto id = std::to_string(sent++);
      c.send(send_frame(conv, "s" + id, padded(id + ":", o.body_bytes)));
    };
    c.on_text = [&](ws_conn&, std::string_view text) {
      if (!starts_with(text, R"({"type":"ack")")) return;
      ++acked;
      if (sent < o.missed) send_one();
    };
    for (int w = 0; w < std::min(256, o.missed); ++w) send_one();
    if (!d.run_until([&] { return acked >= o.missed; }, 600s))
      throw std::runtime_error("sync: the missed messages were not all acked");
  }
  driver d;
  auto t0 = clock_type::now();
  people.connect(d, t, 1, 1, 30s, 1);
  std::int64_t events = 0;
  bool done = false;
  auto& c = *d.conns[0];
  c.on_text = [&](ws_conn&, std::string_view text) {
    if (starts_with(text, R"({"type":"event")")) ++events;
    if (starts_with(text, R"({"type":"sync_done")")) done = true;
  };
  auto t_sync = clock_type::now();
  c.send(R"({"type":"sync","id":"s","positions":[{"conversation":)" + std::to_string(conv) +
         R"(,"last_seq":0}]})");
  d.run_until([&] { return done || c.is_closed; }, 600s);
  r.figure("caught_up_s", seconds_since(t0));
  r.figure("sync_s", seconds_since(t_sync));
  r.figure("events", static_cast<double>(events));
  r.figure("events_per_s", static_cast<double>(events) / seconds_since(t_sync));
  r.figure("closed", c.is_closed ? 1 : 0);
  if (c.is_closed) r.note = "closed with " + std::to_string(c.close_code);
  if (!done) r.note += " no sync_done";
  finish_server(r, t);
  return r;
}

// ---- a realistic day: many users, DMs and small groups, typing, reads, joins and leaves ----

run_result run_day(const scenario_options& o) {
  auto r = new_run("day", server_kind::chatd, o);
  r.param("users", o.users);
  r.param("actions_per_s", o.rate);
  r.param("seconds", o.seconds);
  target t(server_kind::chatd, o.target);
  std::mt19937 rng(42);
  // Each user has a DM with the next one; groups of 5-20 consecutive users, every 10th user
  // creates one.
  cast_spec spec{"day", o.users, {}, {}};
  for (int u = 0; u < o.users; ++u) {
    spec.dms.emplace_back(u, (u + 1) % o.users);
    if (u % 10 != 0) continue;
    int size = 5 + static_cast<int>(rng() % 16);
    std::vector<int> g{u};
    for (int k = 1; k < size && k < o.users; ++k) g.push_back((u + k) % o.users);
    spec.groups.push_back(std::move(g));
  }
  const cast people(t, spec);
  const auto& accounts = people.accounts;
  const auto& dms = people.dms;
  struct group {
    std::int64_t id;
    int creator;
    std::vector<int> members;
  };
  std::vector<group> groups;
  for (std::size_t i = 0; i < spec.groups.size(); ++i)
    groups.push_back({people.groups[i],
                      spec.groups[i].front(),
                      {spec.groups[i].begin() + 1, spec.groups[i].end()}});
  driver d;
  people.connect(d, t, o.users, 100, 120s);
  latencies ack_lat;
  std::int64_t events = 0, acks = 0, errors = 0, next = 0;
  std::map<std::string, clock_type::time_point, std::less<>> pending;
  for (auto& c : d.conns) {
    c->on_text = [&](ws_conn&, std::string_view text) {
      if (starts_with(text, R"({"type":"event")")) {
        ++events;
      } else if (starts_with(text, R"({"type":"ack")")) {
        ++acks;
        auto at = text.find("\"ref\":\"");
        if (at == std::string_view::npos) return;
        auto ref = text.substr(at + 7, text.find('"', at + 7) - at - 7);
        if (auto i = pending.find(ref); i != pending.end()) {
          ack_lat.add(us_since(i->second));
          pending.erase(i);
        }
      } else if (starts_with(text, R"({"type":"error")")) {
        ++errors;  // e.g. not_member after a leave raced a send: expected now and then
      }
    };
  }
  const auto total = static_cast<std::int64_t>(std::llround(o.rate * o.seconds));
  pacer p(d.ioc, o.rate, total);
  std::vector<bool> removed(groups.size(), false);
  p.send = [&](std::int64_t) {
    int u = static_cast<int>(rng() % static_cast<unsigned>(o.users));
    auto& c = *d.conns[static_cast<std::size_t>(u)];
    auto id = "a" + std::to_string(next++);
    int roll = static_cast<int>(rng() % 100);
    auto dm = dms[static_cast<std::size_t>(u)];
    if (roll < 60) {
      pending.emplace(id, clock_type::now());
      c.send(send_frame(dm, id, padded(id + ":", o.body_bytes)));
    } else if (roll < 80 && !groups.empty()) {
      auto& g = groups[rng() % groups.size()];
      auto& gc = *d.conns[static_cast<std::size_t>(g.creator)];
      pending.emplace(id, clock_type::now());
      gc.send(send_frame(g.id, id, padded(id + ":", o.body_bytes)));
    } else if (roll < 90) {
      c.send(R"({"type":"typing","id":")" + id + R"(","conversation":)" + std::to_string(dm) + "}");
    } else if (roll < 98) {
      c.send(R"({"type":"read","id":")" + id + R"(","conversation":)" + std::to_string(dm) +
             R"(,"seq":1})");
    } else if (!groups.empty()) {
      // A member leaves a group and its creator adds them back later: joins and leaves.
      auto gi = rng() % groups.size();
      auto& g = groups[gi];
      auto& gc = *d.conns[static_cast<std::size_t>(g.creator)];
      auto& who = accounts[static_cast<std::size_t>(g.members.back())].name;
      gc.send(std::string(R"({"type":")") + (removed[gi] ? "add_member" : "remove_member") +
              R"(","id":")" + id + R"(","conversation":)" + std::to_string(g.id) +
              R"(,"username":")" + who + "\"}");
      removed[gi] = !removed[gi];
    }
  };
  t.start_profile("day");
  double cpu0 = t.cpu_seconds();
  p.start();
  d.run_until([&] { return p.next >= total; },
              std::chrono::milliseconds(static_cast<long>(o.seconds * 1000 + 60000)));
  d.run_until([&] { return pending.empty(); }, 10s);
  double cpu1 = t.cpu_seconds();
  t.stop_profile();
  r.figure("actions", static_cast<double>(total));
  r.figure("acks", static_cast<double>(acks));
  r.figure("events_delivered", static_cast<double>(events));
  r.figure("ack_p50_ms", ack_lat.ms(0.5));
  r.figure("ack_p99_ms", ack_lat.ms(0.99));
  r.figure("cpu_s", cpu1 - cpu0);
  r.figure("errors", static_cast<double>(errors));
  r.figure("closed", d.closed());
  if (!pending.empty()) r.note = std::to_string(pending.size()) + " sends never acked";
  finish_server(r, t);
  return r;
}

}  // namespace chat::bench
