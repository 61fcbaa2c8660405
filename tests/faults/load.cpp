#include "tests/faults/load.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include "persistence/database.hpp"
#include "persistence/event_store.hpp"
#include "protocol/limits.hpp"
#include "protocol/parser.hpp"
#include "protocol/serializer.hpp"
#include "tests/e2e/client.hpp"

namespace chat::faults {

using namespace std::chrono_literals;

sender::sender(std::function<std::uint16_t()> port, std::int64_t user, std::string username,
               std::string cookie, std::vector<protocol::id_t> conversations, int window,
               std::string source_ip)
    : port_(std::move(port)),
      user_(user),
      username_(std::move(username)),
      cookie_(std::move(cookie)),
      source_ip_(std::move(source_ip)),
      convs_(std::move(conversations)),
      window_(window) {}

sender::~sender() {
  quit_ = true;
  if (thread_.joinable()) thread_.join();
}

void sender::start() {
  thread_ = std::thread([this] { run(); });
}

void sender::stop_new() {
  stop_new_ = true;
}

bool sender::settle(std::chrono::milliseconds timeout) {
  stop_new_ = true;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool done = false;
  while (!done && std::chrono::steady_clock::now() < deadline) {
    {
      std::lock_guard lock(mu_);
      done = unacked_.empty();
    }
    if (!done) std::this_thread::sleep_for(20ms);
  }
  quit_ = true;
  if (thread_.joinable()) thread_.join();
  return done;
}

std::vector<acked> sender::acks() const {
  std::lock_guard lock(mu_);
  return acks_;
}

std::string sender::last_problem() const {
  std::lock_guard lock(mu_);
  return problem_;
}

void sender::run() {
  std::unique_ptr<e2e::ws_client> ws;
  auto resend_at = std::chrono::steady_clock::now();
  std::size_t in_flight = 0;  // sent on this connection, not answered yet
  std::size_t round_robin = 0;
  auto last_frame = std::chrono::steady_clock::now();
  auto paused_until = std::chrono::steady_clock::now();
  auto next_new = std::chrono::steady_clock::now();
  constexpr auto pace = 10ms;  // at most 100 new messages a second per sender
  auto note = [&](std::string p) {
    std::lock_guard lock(mu_);
    problem_ = std::move(p);
  };
  auto send = [&](protocol::id_t conv, const std::string& cmid) {
    protocol::send_req r{"s-" + cmid, conv, cmid, "load " + cmid};
    if (!ws->send_text(protocol::serialize(protocol::request{r}), 2s)) ws.reset();
    ++in_flight;
  };
  while (!quit_) {
    if (!ws) {
      auto r = e2e::ws_client::connect(port_(), {{"Cookie", "chatd_session=" + cookie_}}, 3s,
                                       source_ip_);
      if (!r.client) {
        note("connect: " + std::to_string(r.http_status) + " " + r.error);
        std::this_thread::sleep_for(100ms);
        continue;
      }
      ws = std::move(r.client);
      ++reconnects_;
      last_frame = std::chrono::steady_clock::now();
      in_flight = 0;
      ws->send_text(protocol::serialize(protocol::request{
          protocol::hello_req{"hello", protocol::protocol_version, std::nullopt}}));
      resend_at = std::chrono::steady_clock::now();  // after the welcome: resend what is unacked
    }
    const auto now = std::chrono::steady_clock::now();
    // Resend everything unacked (once per connection, or after an `unavailable`).
    if (now >= resend_at && now >= paused_until && in_flight == 0) {
      std::vector<std::pair<std::string, protocol::id_t>> todo;
      {
        std::lock_guard lock(mu_);
        todo.assign(unacked_.begin(), unacked_.end());
      }
      for (auto& [cmid, conv] : todo)
        if (ws) send(conv, cmid);
      resend_at = std::chrono::steady_clock::time_point::max();
    }
    // New messages while the window has room, at most one per pace interval, none while the
    // server asked us to back off.
    while (ws && !stop_new_ && in_flight < static_cast<std::size_t>(window_) &&
           now >= paused_until && std::chrono::steady_clock::now() >= next_new) {
      next_new = std::chrono::steady_clock::now() + pace;
      auto n = next_++;
      auto cmid = username_ + "-" + std::to_string(n);
      auto conv = convs_[round_robin++ % convs_.size()];
      {
        std::lock_guard lock(mu_);
        unacked_.emplace(cmid, conv);
      }
      send(conv, cmid);
    }
    if (!ws) continue;
    auto got = ws->read(50ms);
    if (got.what == e2e::ws_read::kind::timeout) {
      // A server that leaves sends unanswered this long has lost them: reconnect and resend.
      if (in_flight > 0 && std::chrono::steady_clock::now() - last_frame > 15s) {
        note("no answer for 15 s: reconnecting");
        ws.reset();
      }
      continue;
    }
    last_frame = std::chrono::steady_clock::now();
    if (got.what != e2e::ws_read::kind::text) {
      note("socket ended: " + got.reason + " (" + std::to_string(got.close_code) + ")");
      ws.reset();
      std::this_thread::sleep_for(50ms);
      continue;
    }
    auto parsed = protocol::parse_server_frame(got.data);
    auto* frame = std::get_if<protocol::server_frame>(&parsed);
    if (!frame) continue;
    if (auto* a = std::get_if<protocol::ack_frame>(frame)) {
      if (in_flight > 0) --in_flight;
      std::lock_guard lock(mu_);
      if (unacked_.erase(a->client_msg_id) > 0)
        acks_.push_back({a->conversation, user_, a->client_msg_id, a->seq});
    } else if (auto* e = std::get_if<protocol::error_frame>(frame)) {
      if (e->ref.rfind("s-", 0) != 0) continue;
      if (in_flight > 0) --in_flight;
      if (e->code == protocol::error_code::unavailable ||
          e->code == protocol::error_code::rate_limited) {
        ++unavailable_;
        // Back off (no new messages either), then resend what is unacked.
        paused_until = std::chrono::steady_clock::now() + 300ms;
        resend_at = paused_until;
      } else {
        note("send refused: " + std::string(protocol::to_string(e->code)) + " " + e->message);
      }
    }
    // Unanswered sends of a stalled server are resent on the next connection.
  }
}

list_hammer::list_hammer(std::uint16_t port, std::string cookie, int connections,
                         double per_second) {
  for (int i = 0; i < connections; ++i)
    threads_.emplace_back([this, port, cookie, per_second] { run(port, cookie, per_second); });
}

list_hammer::~list_hammer() {
  stop();
}

void list_hammer::stop() {
  if (quit_.exchange(true)) return;
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
}

void list_hammer::run(std::uint16_t port, const std::string& cookie, double per_second) {
  auto r = e2e::ws_client::connect(port, {{"Cookie", "chatd_session=" + cookie}});
  if (!r.client) {
    ++failed_;
    return;
  }
  auto& ws = *r.client;
  ws.send_text(R"({"type":"hello","id":"h","version":1})");
  const auto every = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(1.0 / per_second));
  auto next = std::chrono::steady_clock::now();
  for (std::int64_t n = 0; !quit_;) {
    auto now = std::chrono::steady_clock::now();
    if (now >= next) {
      // Only the first page, again and again: the most a client can ask for per request.
      if (!ws.send_text(R"({"type":"list_conversations","id":"l)" + std::to_string(++n) + "\"}"))
        break;
      next += every;
      if (next < now) next = now;  // never a burst to catch up: stay inside the rate limit
    }
    auto got = ws.read(std::chrono::duration_cast<std::chrono::milliseconds>(next - now) + 1ms);
    if (got.what == e2e::ws_read::kind::closed || got.what == e2e::ws_read::kind::error) {
      ++failed_;
      break;
    }
    if (got.what != e2e::ws_read::kind::text) continue;
    if (got.data.starts_with(R"({"type":"conversations")"))
      ++pages_;
    else if (got.data.find(R"("code":"rate_limited")") != std::string::npos)
      ++limited_;
    else if (got.data.starts_with(R"({"type":"error")"))
      ++errors_;
  }
}

std::vector<protocol::id_t> stored_seqs(const std::string& db_url, protocol::id_t conversation) {
  auto db = persistence::database::open(db_url);
  REQUIRE(db);
  persistence::event_store events{**db};
  std::vector<protocol::id_t> out;
  persistence::seq_t after = 0;
  for (;;) {
    auto page = events.read_after(conversation, after, 500);
    REQUIRE(page);
    if (page->empty()) break;
    for (auto& e : *page) out.push_back(e.seq);
    after = page->back().seq;
  }
  return out;
}

void require_acked_stored_once(const std::string& db_url, const std::vector<acked>& acks) {
  auto db = persistence::database::open(db_url);
  REQUIRE(db);
  persistence::event_store events{**db};
  std::set<protocol::id_t> convs;
  for (auto& a : acks) convs.insert(a.conversation);
  std::map<std::tuple<protocol::id_t, std::int64_t, std::string>, std::vector<protocol::id_t>>
      stored;
  for (auto c : convs) {
    persistence::seq_t after = 0;
    for (;;) {
      auto page = events.read_after(c, after, 500);
      REQUIRE(page);
      if (page->empty()) break;
      for (auto& e : *page) {
        INFO("conversation " << c);
        REQUIRE(e.seq == after + 1);  // no gap, no reordering
        after = e.seq;
        if (!e.client_msg_id.empty()) stored[{c, e.sender, e.client_msg_id}].push_back(e.seq);
      }
    }
  }
  std::size_t missing = 0, wrong_seq = 0, duplicated = 0;
  for (auto& a : acks) {
    auto it = stored.find({a.conversation, a.sender, a.client_msg_id});
    if (it == stored.end()) {
      ++missing;
      continue;
    }
    if (it->second.size() != 1) ++duplicated;
    if (it->second.front() != a.seq) ++wrong_seq;
  }
  INFO(acks.size() << " acked messages checked against the log");
  CHECK(missing == 0);
  CHECK(wrong_seq == 0);
  CHECK(duplicated == 0);
}

double percentile_ms(std::vector<double> samples, double p) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(samples.size())));
  return samples[std::clamp<std::size_t>(rank, 1, samples.size()) - 1];
}

}  // namespace chat::faults
