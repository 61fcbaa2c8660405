#include <atomic>
#include <set>
#include <thread>

#include "persistence/event_store.hpp"
#include "test_backend.hpp"

using namespace chat::persistence;

namespace {

event make_event(conversation_id c, seq_t seq, user_id sender, std::string client_msg_id,
                 std::string payload = "hello") {
  event e;
  e.conversation = c;
  e.seq = seq;
  e.event_id = test::random_hex(32);
  e.type = "message";
  e.sender = sender;
  e.client_msg_id = std::move(client_msg_id);
  e.payload = std::move(payload);
  e.created_at_ms = 1700000000000 + seq;
  return e;
}

std::vector<seq_t> seqs_of(const std::vector<event>& events) {
  std::vector<seq_t> out;
  for (const auto& e : events) out.push_back(e.seq);
  return out;
}

}  // namespace

TEST_CASE("A batch of events is appended in one transaction, all or nothing", "[persistence]") {
  BACKEND(b);
  event_store log(b.db());
  std::vector<event> batch;
  for (seq_t s = 1; s <= 3; ++s) batch.push_back(make_event(1, s, 7, "m" + std::to_string(s)));
  REQUIRE(log.append(batch).ok());
  CHECK(*log.last_seq(1) == 3);

  // The second batch is fine except its last event, which reuses seq 3: nothing of it may land.
  std::vector<event> bad{make_event(1, 4, 7, "m4"), make_event(1, 5, 7, "m5"),
                         make_event(1, 3, 8, "other")};
  auto st = log.append(bad);
  REQUIRE_FALSE(st.ok());
  CHECK(st.err().code == errc::seq_conflict);
  CHECK(*log.last_seq(1) == 3);
  CHECK(log.read_after(1, 0, 100)->size() == 3);

  // One batch may span several conversations.
  std::vector<event> multi{make_event(1, 4, 7, "m4"), make_event(2, 1, 7, "m4")};
  REQUIRE(log.append(multi).ok());
  CHECK(*log.last_seq(1) == 4);
  CHECK(*log.last_seq(2) == 1);
  CHECK(log.append(std::vector<event>{}).ok());
}

TEST_CASE("Events round-trip every field, including NULL client_msg_id and utf8mb4 text",
          "[persistence]") {
  BACKEND(b);
  event_store log(b.db());
  event e = make_event(5, 1, 42, "", "h\xC3\xA9llo \xF0\x9F\x98\x80 'quoted' \"json\" \\ ;");
  e.type = "member_added";
  e.subject = 43;
  REQUIRE(log.append({&e, 1}).ok());
  auto got = log.read_after(5, 0, 10);
  REQUIRE(got.ok());
  REQUIRE(got->size() == 1);
  const event& r = got->front();
  CHECK(r.conversation == 5);
  CHECK(r.seq == 1);
  CHECK(r.event_id == e.event_id);
  CHECK(r.type == "member_added");
  CHECK(r.sender == 42);
  CHECK(r.client_msg_id.empty());
  CHECK(r.subject == 43);
  CHECK(r.payload == e.payload);
  CHECK(r.created_at_ms == e.created_at_ms);
}

TEST_CASE("read_after and read_before return events in seq order within the limit",
          "[persistence]") {
  BACKEND(b);
  event_store log(b.db());
  std::vector<event> batch;
  for (seq_t s = 1; s <= 20; ++s) batch.push_back(make_event(9, s, 1, "c" + std::to_string(s)));
  batch.push_back(make_event(10, 1, 1, "other-conversation"));
  REQUIRE(log.append(batch).ok());

  CHECK(seqs_of(*log.read_after(9, 0, 3)) == std::vector<seq_t>{1, 2, 3});
  CHECK(seqs_of(*log.read_after(9, 17, 10)) == std::vector<seq_t>{18, 19, 20});
  CHECK(log.read_after(9, 20, 10)->empty());
  CHECK(log.read_after(9, 0, 0)->empty());
  CHECK(seqs_of(*log.read_before(9, 21, 3)) == std::vector<seq_t>{18, 19, 20});
  CHECK(seqs_of(*log.read_before(9, 5, 10)) == std::vector<seq_t>{1, 2, 3, 4});
  CHECK(log.read_before(9, 1, 10)->empty());
  CHECK(log.read_after(11, 0, 10)->empty());
}

TEST_CASE("last_seq is 0 for an empty conversation and the highest seq otherwise",
          "[persistence]") {
  BACKEND(b);
  event_store log(b.db());
  CHECK(*log.last_seq(77) == 0);
  std::vector<event> batch{make_event(77, 1, 1, "a"), make_event(77, 2, 1, "b")};
  REQUIRE(log.append(batch).ok());
  CHECK(*log.last_seq(77) == 2);
}

TEST_CASE("find_by_client_msg_id finds the original event of a resend", "[persistence]") {
  BACKEND(b);
  event_store log(b.db());
  std::vector<event> batch{make_event(3, 1, 1, "abc"), make_event(3, 2, 2, "abc")};
  REQUIRE(log.append(batch).ok());
  auto found = log.find_by_client_msg_id(3, 2, "abc");
  REQUIRE(found.ok());
  REQUIRE(found->has_value());
  CHECK((*found)->seq == 2);
  CHECK((*found)->event_id == batch[1].event_id);
  CHECK_FALSE(log.find_by_client_msg_id(3, 3, "abc")->has_value());
  CHECK_FALSE(log.find_by_client_msg_id(4, 1, "abc")->has_value());
  CHECK_FALSE(log.find_by_client_msg_id(3, 1, "ABC")->has_value());
  CHECK_FALSE(log.find_by_client_msg_id(3, 1, "")->has_value());
}

TEST_CASE("A duplicate client_msg_id is refused and reported as duplicate", "[persistence]") {
  BACKEND(b);
  event_store log(b.db());
  auto first = make_event(4, 1, 7, "client-1");
  REQUIRE(log.append({&first, 1}).ok());

  SECTION("against a stored event") {
    auto again = make_event(4, 2, 7, "client-1");
    auto st = log.append({&again, 1});
    REQUIRE_FALSE(st.ok());
    CHECK(st.err().code == errc::duplicate);
    CHECK(st.err().message.find("client-1") != std::string::npos);
    CHECK(*log.last_seq(4) == 1);
  }
  SECTION("inside one batch") {
    std::vector<event> batch{make_event(4, 2, 7, "client-2"), make_event(4, 3, 7, "client-2")};
    auto st = log.append(batch);
    REQUIRE_FALSE(st.ok());
    CHECK(st.err().code == errc::duplicate);
    CHECK(st.err().message.find("client-2") != std::string::npos);
    CHECK(*log.last_seq(4) == 1);
  }
  SECTION("the same key from another sender or conversation is fine") {
    std::vector<event> batch{make_event(4, 2, 8, "client-1"), make_event(5, 1, 7, "client-1")};
    CHECK(log.append(batch).ok());
  }
  SECTION("server events without a client_msg_id never collide") {
    std::vector<event> batch{make_event(4, 2, 7, ""), make_event(4, 3, 7, "")};
    CHECK(log.append(batch).ok());
  }
}

TEST_CASE("A taken seq is reported as seq_conflict, not duplicate", "[persistence]") {
  BACKEND(b);
  event_store log(b.db());
  auto first = make_event(6, 1, 7, "x");
  REQUIRE(log.append({&first, 1}).ok());
  auto clash = make_event(6, 1, 8, "y");
  auto st = log.append({&clash, 1});
  REQUIRE_FALSE(st.ok());
  CHECK(st.err().code == errc::seq_conflict);
}

TEST_CASE("Two writers racing on one conversation never leave a gap or a duplicate seq",
          "[persistence]") {
  BACKEND(b);
  constexpr int per_writer = 60;
  std::atomic<int> conflicts{0};
  std::atomic<int> failures{0};
  auto writer = [&](user_id sender) {
    auto conn = database::open(b.url());
    if (!conn) {
      ++failures;
      return;
    }
    event_store log(**conn);
    for (int i = 0; i < per_writer; ++i) {
      auto ev = make_event(100, 0, sender, fmt::format("w{}-{}", sender, i));
      for (int attempt = 0;; ++attempt) {
        auto last = log.last_seq(100);
        if (!last || attempt > 1000) {
          ++failures;
          return;
        }
        ev.seq = *last + 1;
        auto st = log.append({&ev, 1});
        if (st.ok()) break;
        if (st.err().code != errc::seq_conflict) {
          ++failures;
          return;
        }
        ++conflicts;
      }
    }
  };
  std::thread t1(writer, 1), t2(writer, 2);
  t1.join();
  t2.join();
  REQUIRE(failures == 0);
  WARN(b.kind() << ": " << conflicts << " seq conflicts retried");

  event_store log(b.db());
  auto all = log.read_after(100, 0, 10000);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2 * per_writer);
  std::set<std::string> keys;
  for (size_t i = 0; i < all->size(); ++i) {
    CHECK((*all)[i].seq == static_cast<seq_t>(i + 1));
    keys.insert(fmt::format("{}/{}", (*all)[i].sender, (*all)[i].client_msg_id));
  }
  CHECK(keys.size() == 2 * per_writer);
}

TEST_CASE("Membership events maintain the members projection in the same transaction",
          "[persistence]") {
  BACKEND(b);
  event_store log(b.db());
  auto add = [](seq_t seq, user_id who) {
    event e = make_event(20, seq, 1, "");
    e.type = "member_added";
    e.subject = who;
    return e;
  };
  std::vector<event> batch{add(1, 1), add(2, 2), add(3, 3), add(4, 2)};
  REQUIRE(log.append(batch).ok());
  int n = 0;
  b.db().sql() << "SELECT COUNT(*) FROM memberships WHERE conversation_id = 20", soci::into(n);
  CHECK(n == 3);
  event removed = make_event(20, 5, 1, "");
  removed.type = "member_removed";
  removed.subject = 2;
  event left = make_event(20, 6, 3, "");
  left.type = "member_left";  // subject 0: the sender leaves
  std::vector<event> batch2{removed, left};
  REQUIRE(log.append(batch2).ok());
  user_id only = 0;
  b.db().sql() << "SELECT COUNT(*) FROM memberships WHERE conversation_id = 20", soci::into(n);
  b.db().sql() << "SELECT user_id FROM memberships WHERE conversation_id = 20", soci::into(only);
  CHECK(n == 1);
  CHECK(only == 1);
}
