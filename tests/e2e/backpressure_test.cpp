// Backpressure over real sockets: a long sync gap is replayed at the reader's pace, a slow but
// steady reader is throttled instead of closed, a reader that stops reading gets 4008 and loses
// its socket within the configured grace (not the 60 s idle timeout).
#include <thread>

#include "tests/e2e/harness.hpp"

using namespace chat::e2e;
using namespace chat;

namespace {

const std::vector<std::string> fast_sends{"--requests-per-second", "100000", "--request-burst",
                                          "100000"};

std::vector<std::string> with(std::vector<std::string> extra) {
  auto args = fast_sends;
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// A sample's value from /metrics (-1 when missing).
long long metric(std::uint16_t port, const std::string& sample) {
  auto m = http_request(port, "GET", "/metrics");
  auto at = m.body.find("\n" + sample + " ");
  if (at == std::string::npos) return -1;
  return std::stoll(m.body.substr(at + sample.size() + 2));
}

const std::string closed_4008 = "chatd_ws_refused_total{reason=\"close_4008\"}";

// Sends n messages keeping `window` unacknowledged; returns the last ack's seq. Frames other
// than acks are read and dropped (this client is the sender, not the subject).
std::int64_t send_many(chat_client& c, protocol::id_t conv, int n, const std::string& body,
                       int window, const std::string& tag) {
  int sent = 0, acked = 0;
  std::int64_t last = 0;
  auto send_one = [&] {
    c.send(protocol::send_req{tag + std::to_string(sent), conv, tag + std::to_string(sent), body});
    ++sent;
  };
  while (sent < std::min(n, window)) send_one();
  while (acked < n) {
    auto f = c.next(30s);
    REQUIRE(f);
    REQUIRE_FALSE(std::holds_alternative<protocol::error_frame>(*f));
    if (auto* a = std::get_if<protocol::ack_frame>(&*f)) {
      ++acked;
      last = std::max(last, a->seq);
      if (sent < n) send_one();
    }
  }
  return last;
}

template <class Pred>
bool eventually(Pred pred, std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return pred();
}

// Bob stops reading while Alice sends him ~12 MB in a direct conversation: the kernel buffers
// fill, the socket takes nothing for the 1 s stall timeout, and he has got his one 4008 when
// this returns. `grace`: --ws-close-grace, how long he may still read before the reset.
struct stalled_reader {
  chatd_server srv;
  std::unique_ptr<chat_client> alice, bob;

  stalled_reader(db_kind kind, const std::string& grace)
      : srv(kind, with({"--ws-stall-timeout", "1s", "--ws-close-grace", grace})) {
    auto a = register_user(srv.port(), "alice");
    auto b = register_user(srv.port(), "bob");
    alice = chat_client::open(srv.port(), a);
    bob = chat_client::open(srv.port(), b);
    auto conv = alice->open_direct("bob");
    send_many(*alice, conv, 6000, std::string(3900, 'z'), 64, "w");  // never waits for Bob
    REQUIRE(eventually([&] { return metric(srv.metrics_port(), closed_4008) == 1; }, 30s));
  }
};

}  // namespace

CHAT_E2E_CASE(long_gap_sync, "A 5,000-event gap is caught up by one sync without 4008", "") {
  // Tighter limits than the defaults, so what loopback buffers take does not decide the case: a
  // paced replay keeps at most the throttle mark plus one page (~0.8 MB) unread.
  chatd_server srv(kind,
                   with({"--ws-throttle-bytes", "262144", "--ws-max-backlog-bytes", "2097152"}));
  auto alice = register_user(srv.port(), "alice");
  auto bob = register_user(srv.port(), "bob");
  auto a = chat_client::open(srv.port(), alice);
  auto conv = a->open_direct("bob");
  // ~20 MB, ten times what the client may leave unread: a replay pushed out faster than the
  // reader takes it ends in 4008; paced by the reader's backlog it never does.
  const int gap = 5000;
  auto last = send_many(*a, conv, gap, std::string(3900, 'g'), 128, "gap");

  auto b = chat_client::open(srv.port(), bob);
  auto id = b->next_id();
  b->send(protocol::sync_req{id, {{conv, 0}}});
  std::int64_t expect_seq = 0;
  int messages = 0;
  bool done = false;
  int frames = 0;
  while (!done) {
    // A phone on a slow link: it reads steadily, a few MB/s.
    if (++frames % 2 == 0) std::this_thread::sleep_for(1ms);
    auto f = b->next(20s);
    INFO("after " << messages << " messages, closed " << b->closed() << " code "
                  << b->close_code());
    REQUIRE(f);
    if (auto* e = std::get_if<protocol::event_frame>(&*f)) {
      REQUIRE(e->seq > expect_seq);  // in order, once
      expect_seq = e->seq;
      if (e->type == "message") ++messages;
    } else if (auto* d = std::get_if<protocol::sync_done_frame>(&*f)) {
      REQUIRE(d->ref == id);
      REQUIRE(d->positions.size() == 1);
      CHECK(d->positions[0].last_seq == last);
      done = true;
    }
  }
  CHECK(messages == gap);
  CHECK(expect_seq == last);
  CHECK(metric(srv.metrics_port(), closed_4008) == 0);
}

CHAT_E2E_CASE(steady_reader_throttled,
              "A client that reads slowly but steadily is throttled, never closed", "") {
  // No byte limit closes anyone here: only the throttle acts. The stall timeout is long too: on a
  // loaded machine under ASan the reader thread can go 10 s without a turn, and that is not what
  // this case is about.
  chatd_server srv(kind, with({"--ws-throttle-bytes", "16384", "--ws-max-backlog-bytes",
                               std::to_string(256 << 20), "--ws-stall-timeout", "120s"}));
  auto alice = register_user(srv.port(), "alice");
  auto bob = register_user(srv.port(), "bob");
  auto a = chat_client::open(srv.port(), alice);
  auto b = chat_client::open(srv.port(), bob);
  auto conv = a->open_direct("bob");
  // Alice sends ~16 MB at once (far faster than Bob reads, past what loopback buffers take for
  // a slow reader); Bob reads steadily at a few MB/s and keeps asking: his reads pause while his
  // backlog is high, his pings are answered late, nothing closes him.
  const int total = 4000;
  send_many(*a, conv, total, std::string(3900, 't'), 64, "t");
  int messages = 0, frames = 0, pings = 0, pongs = 0;
  std::int64_t expect_seq = 0;
  while (messages < total || pongs < pings) {
    if (++frames % 2 == 0) std::this_thread::sleep_for(1ms);
    if (frames % 400 == 0) {
      b->send(protocol::ping_req{"p" + std::to_string(pings)});
      ++pings;
    }
    auto f = b->next(30s);
    INFO("messages " << messages << " closed " << b->closed() << " code " << b->close_code());
    REQUIRE(f);
    REQUIRE_FALSE(std::holds_alternative<protocol::error_frame>(*f));
    if (auto* e = std::get_if<protocol::event_frame>(&*f)) {
      REQUIRE(e->seq > expect_seq);  // in order, once
      expect_seq = e->seq;
      if (e->type == "message") ++messages;
    } else if (std::holds_alternative<protocol::pong_frame>(*f)) {
      ++pongs;
    }
  }
  CHECK(pings > 0);
  CHECK(metric(srv.metrics_port(), "chatd_ws_throttled_total") > 0);
  CHECK(metric(srv.metrics_port(), closed_4008) == 0);
}

CHAT_E2E_CASE(stopped_reader_closed_promptly,
              "A reader that stops reading gets 4008 and its close frame, and loses its socket "
              "within the grace",
              "") {
  // The grace is long enough for a sanitizer build to drain ~12 MB on a loaded machine (20 s was
  // not, at load 15); a reader slower than that is reset, which the dead-reader case below covers.
  stalled_reader s(kind, "60s");
  // Reading again within the grace: what was in flight, then the close frame.
  auto t0 = std::chrono::steady_clock::now();
  CHECK(s.bob->wait_closed(70s) == 4008);
  CHECK(eventually([&] { return metric(s.srv.metrics_port(), "chatd_ws_sessions") == 1; }, 10s));
  CHECK(std::chrono::steady_clock::now() - t0 < 70s);
  // Alice is unaffected.
  auto id = s.alice->next_id();
  s.alice->send(protocol::ping_req{id});
  s.alice->expect<protocol::pong_frame>([&](const protocol::pong_frame& p) { return p.ref == id; });
}

CHAT_E2E_CASE(dead_reader_reset, "A reader that never reads again loses its socket after the grace",
              "") {
  stalled_reader s(kind, "1s");
  // Bob never reads: his session (and its kernel buffers) is gone well before the 60 s idle
  // timeout.
  auto t0 = std::chrono::steady_clock::now();
  CHECK(eventually([&] { return metric(s.srv.metrics_port(), "chatd_ws_sessions") == 1; }, 15s));
  CHECK(std::chrono::steady_clock::now() - t0 < 15s);
}
