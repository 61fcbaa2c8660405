#include "persistence/message_search.hpp"
#include "persistence/conversation_store.hpp"
#include "persistence/event_store.hpp"
#include "persistence/user_store.hpp"
#include "test_backend.hpp"

using namespace chat::persistence;

namespace {

/// Two users, a group they share and a conversation only the second is in.
struct world {
  explicit world(database& db) : users(db), log(db), index(db) {
    alice = users.create("alice")->id;
    bob = users.create("bob")->id;
    append(shared, "member_added", alice, alice);
    append(shared, "member_added", alice, bob);
    append(bobs, "member_added", bob, bob);
  }
  seq_t append(conversation_id c, std::string type, user_id sender, user_id subject = 0,
               std::string payload = {}, seq_t target = 0) {
    event e;
    e.conversation = c;
    e.seq = ++last[c];
    e.event_id = test::random_hex(32);
    e.type = std::move(type);
    e.sender = sender;
    e.subject = subject;
    if (e.type == "message") e.client_msg_id = test::random_hex(8);
    e.payload = std::move(payload);
    e.target = target;
    e.created_at_ms = 1700000000000 + (++clock);
    REQUIRE(log.append(std::span<const event>(&e, 1)).ok());
    return e.seq;
  }
  seq_t say(conversation_id c, user_id who, std::string text) {
    return append(c, "message", who, 0, std::move(text));
  }
  /// Hits after the indexer has caught up with the log (as the search indexer does after a
  /// commit); `raw` searches what is indexed now.
  std::vector<seq_t> seqs(user_id u, std::string_view q, int limit = 50, bool raw = false) {
    if (!raw) REQUIRE(index.catch_up().ok());
    auto page = index.search(u, q, std::nullopt, limit);
    INFO((page.ok() ? std::string("ok") : page.err().message));
    REQUIRE(page.ok());
    std::vector<seq_t> out;
    for (auto& h : page->hits) out.push_back(h.seq);
    return out;
  }
  user_store users;
  event_store log;
  message_search index;
  user_id alice = 0, bob = 0;
  conversation_id shared = 1, bobs = 2;
  std::map<conversation_id, seq_t> last;
  std::int64_t clock = 0;
};

}  // namespace

TEST_CASE("Search finds English words and CJK substrings, newest first", "[persistence]") {
  BACKEND(b);
  world w(b.db());
  auto lunch = w.say(w.shared, w.alice, "Lunch at noon? The new ramen place");
  auto tokyo = w.say(w.shared, w.bob, "東京タワーに行きました。とても高かった！");
  auto jp = w.say(w.shared, w.bob, "日本語のテキスト検索はむずかしい");
  auto zh = w.say(w.shared, w.alice, "我们明天在北京见面吧");
  auto late = w.say(w.shared, w.bob, "ramen again tomorrow");
  CHECK(w.seqs(w.alice, "ramen") == std::vector<seq_t>{late, lunch});
  CHECK(w.seqs(w.alice, "RAMEN") == std::vector<seq_t>{late, lunch});  // case-insensitive
  CHECK(w.seqs(w.alice, "new ramen") == std::vector<seq_t>{lunch});    // a phrase, spaces count
  CHECK(w.seqs(w.alice, "タワー") == std::vector<seq_t>{tokyo});
  CHECK(w.seqs(w.alice, "テキスト検索") == std::vector<seq_t>{jp});
  CHECK(w.seqs(w.alice, "北京见面") == std::vector<seq_t>{zh});
  // 1-2 characters: the scan finds them too.
  CHECK(w.seqs(w.alice, "東京") == std::vector<seq_t>{tokyo});
  CHECK(w.seqs(w.alice, "京") == std::vector<seq_t>{zh, tokyo});  // 北京 and 東京
  CHECK(w.seqs(w.bob, "at") == std::vector<seq_t>{lunch});
  CHECK(w.seqs(w.alice, "sushi").empty());
  // Characters that mean something to FTS5 or LIKE are plain text.
  auto odd = w.say(w.shared, w.alice, "50% \"off\" a_b * NEAR(x)");
  CHECK(w.seqs(w.alice, "\"off\"") == std::vector<seq_t>{odd});
  CHECK(w.seqs(w.alice, "50%") == std::vector<seq_t>{odd});
  CHECK(w.seqs(w.alice, "a_b") == std::vector<seq_t>{odd});
  CHECK(w.seqs(w.alice, "NEAR(") == std::vector<seq_t>{odd});

  auto page = w.index.search(w.alice, "ramen", std::nullopt, 10);
  REQUIRE(page.ok());
  REQUIRE(page->hits.size() == 2);
  CHECK(page->hits[0].conversation == w.shared);
  CHECK(page->hits[0].sender == w.bob);
  CHECK(page->hits[0].sender_name == "bob");
  CHECK(page->hits[0].ts > page->hits[1].ts);
  CHECK(page->hits[0].excerpt == "ramen again tomorrow");
  CHECK_FALSE(page->next);
}

TEST_CASE("Search pages with a cursor and never repeats or skips a hit", "[persistence]") {
  BACKEND(b);
  world w(b.db());
  std::vector<seq_t> all;
  for (int i = 0; i < 23; ++i) {
    all.push_back(w.say(w.shared, i % 2 ? w.alice : w.bob, fmt::format("report {} 報告書", i)));
    w.say(w.shared, w.alice, "unrelated chatter");
  }
  std::reverse(all.begin(), all.end());
  REQUIRE(w.index.catch_up().ok());
  for (std::string q : {"report", "報告書", "報告"}) {
    INFO(q);
    std::vector<seq_t> seen;
    std::optional<search_text::cursor> below;
    int pages = 0;
    do {
      auto page = w.index.search(w.alice, q, below, 10);
      REQUIRE(page.ok());
      for (auto& h : page->hits) seen.push_back(h.seq);
      below = page->next;
      REQUIRE(++pages < 10);
    } while (below);
    CHECK(seen == all);
    CHECK(pages == 3);
  }
}

TEST_CASE("Search never shows a conversation the user is not a member of, nor after leaving",
          "[persistence]") {
  BACKEND(b);
  world w(b.db());
  auto secret = w.say(w.bobs, w.bob, "the secret plan");
  auto shared = w.say(w.shared, w.bob, "the shared plan");
  CHECK(w.seqs(w.bob, "plan") == std::vector<seq_t>{shared, secret});
  CHECK(w.seqs(w.alice, "plan") == std::vector<seq_t>{shared});
  CHECK(w.seqs(w.alice, "secret").empty());
  CHECK(w.seqs(w.alice, "se").empty());  // the short-query scan is filtered the same way
  // A former member finds nothing of it, also what was said while they were in it.
  w.append(w.shared, "member_left", w.alice);
  CHECK(w.seqs(w.alice, "plan").empty());
  CHECK(w.seqs(w.alice, "pl").empty());
  // Joining (again) shows the whole conversation, as history does.
  w.append(w.shared, "member_added", w.bob, w.alice);
  CHECK(w.seqs(w.alice, "plan") == std::vector<seq_t>{shared});
}

TEST_CASE("An edit re-indexes a message's text and a delete removes it", "[persistence]") {
  BACKEND(b);
  world w(b.db());
  auto m = w.say(w.shared, w.alice, "meet at the old station 旧駅");
  auto other = w.say(w.shared, w.bob, "the old one is closed");
  REQUIRE(w.index.catch_up().ok());
  REQUIRE(w.index.put(w.shared, m, w.alice, 0, "meet at the new harbour 新港").ok());
  CHECK(w.seqs(w.bob, "station").empty());
  CHECK(w.seqs(w.bob, "旧駅").empty());
  CHECK(w.seqs(w.bob, "harbour") == std::vector<seq_t>{m});
  CHECK(w.seqs(w.bob, "新港") == std::vector<seq_t>{m});
  // An edit keeps the message's place (its original ts and sender).
  auto page = w.index.search(w.bob, "the", std::nullopt, 10);
  REQUIRE(page.ok());
  REQUIRE(page->hits.size() == 2);
  CHECK(page->hits[0].seq == other);
  CHECK(page->hits[1].sender == w.alice);
  REQUIRE(w.index.remove(w.shared, m).ok());
  CHECK(w.seqs(w.bob, "harbour").empty());
  CHECK(w.seqs(w.bob, "ha").empty());
  CHECK(w.seqs(w.bob, "the") == std::vector<seq_t>{other});
  CHECK(w.index.remove(w.shared, m).ok());  // again: nothing happens
}

TEST_CASE("The index is rebuilt from the log", "[persistence]") {
  BACKEND(b);
  world w(b.db());
  auto m = w.say(w.shared, w.alice, "rebuild me 再構築");
  REQUIRE(w.index.catch_up().ok());
  b.db().sql() << "DELETE FROM message_search";
  if (b.db().kind() == backend::sqlite)
    b.db().sql() << "INSERT INTO message_search_fts (message_search_fts) VALUES ('delete-all')";
  else
    b.db().sql() << "DELETE FROM message_trigrams";
  CHECK(w.seqs(w.alice, "rebuild", 50, true).empty());
  REQUIRE(w.index.rebuild().ok());
  CHECK(w.seqs(w.alice, "rebuild") == std::vector<seq_t>{m});
  CHECK(w.seqs(w.alice, "再構築") == std::vector<seq_t>{m});
  REQUIRE(w.index.rebuild().ok());  // twice: still one hit
  CHECK(w.seqs(w.alice, "rebuild") == std::vector<seq_t>{m});
}

TEST_CASE("A short query's scan stops at its budget and hands back a cursor", "[persistence]") {
  BACKEND(b);
  world w(b.db());
  auto needle = w.say(w.shared, w.alice, "xy needle");
  std::vector<event> batch;
  for (int i = 0; i < message_search::scan_budget + 10; ++i) {
    event e;
    e.conversation = w.shared;
    e.seq = ++w.last[w.shared];
    e.event_id = test::random_hex(32);
    e.type = "message";
    e.sender = w.bob;
    e.client_msg_id = "h" + std::to_string(i);
    e.payload = "hay";
    e.created_at_ms = 1800000000000 + i;
    batch.push_back(std::move(e));
  }
  REQUIRE(w.log.append(batch).ok());
  REQUIRE(w.index.catch_up().ok());
  auto first = w.index.search(w.alice, "xy", std::nullopt, 10);
  INFO((first.ok() ? std::string("ok") : first.err().message));
  REQUIRE(first.ok());
  CHECK(first->hits.empty());
  REQUIRE(first->next);
  auto second = w.index.search(w.alice, "xy", first->next, 10);
  REQUIRE(second.ok());
  REQUIRE(second->hits.size() == 1);
  CHECK(second->hits[0].seq == needle);
  CHECK_FALSE(second->next);
}

TEST_CASE("Migration 0004 indexes the messages already in the log", "[persistence]") {
  auto kind = GENERATE(as<std::string>{}, "sqlite", "mysql");
  test::test_backend b{kind, false};
  if (!b.available()) return;
  INFO("backend: " << kind);
  std::vector<migration_text> before;
  for (const auto& m : embedded_migrations())
    if (m.name < "0004") before.push_back(m);
  REQUIRE(migrate(b.db(), before, "embedded (before 0004)").ok());
  user_store users(b.db());
  auto alice = users.create("alice")->id;
  b.db().sql()
      << "INSERT INTO memberships (conversation_id, user_id, joined_seq) VALUES (1, :u, 1)",
      soci::use(alice);
  b.db().sql() << "INSERT INTO conversation_events (conversation_id, seq, event_id, type, "
                  "sender_id, client_msg_id, subject_id, payload, created_at) VALUES (1, 1, "
                  "'e1', 'message', :u, 'c1', 0, 'written before search existed 前から', 5)",
      soci::use(alice);
  auto applied = migrate_embedded(b.db());
  REQUIRE(applied.ok());
  message_search index(b.db());
  auto page = index.search(alice, "前から", std::nullopt, 10);
  REQUIRE(page.ok());
  REQUIRE(page->hits.size() == 1);
  CHECK(page->hits[0].seq == 1);
  CHECK(index.search(alice, "search existed", std::nullopt, 10)->hits.size() == 1);
}

TEST_CASE("The log's commit does not index; the indexer's rounds do, once, with a watermark",
          "[persistence]") {
  BACKEND(b);
  world w(b.db());
  auto first = w.say(w.shared, w.alice, "first words");
  auto second = w.say(w.shared, w.bob, "second words");
  w.say(w.bobs, w.bob, "bob alone");
  // Committed, not indexed: nothing matches, and the backlog names both conversations.
  CHECK(w.seqs(w.bob, "words", 50, true).empty());
  auto todo = w.index.unindexed();
  REQUIRE(todo.ok());
  REQUIRE(todo->size() == 2);
  CHECK(todo->at(0) == seq_range{w.shared, 0, second});
  CHECK(todo->at(1) == seq_range{w.bobs, 0, 2});
  // A round of part of one conversation indexes that part and moves its watermark.
  std::vector<seq_range> round{{w.shared, 0, first}};
  auto done = w.index.index_ranges(round);
  REQUIRE(done.ok());
  CHECK(*done == 1);  // the membership events are read past, not indexed
  CHECK(w.seqs(w.bob, "words", 50, true) == std::vector<seq_t>{first});
  std::vector<conversation_id> ids{w.shared, w.bobs, 99};
  auto marks = w.index.watermarks(ids);
  REQUIRE(marks.ok());
  CHECK(*marks == std::vector<seq_t>{first, 0, 0});
  todo = w.index.unindexed();
  REQUIRE(todo.ok());
  CHECK(todo->at(0) == seq_range{w.shared, first, second});
  // Catching up takes the rest; each message is indexed once.
  REQUIRE(w.index.catch_up().ok());
  CHECK(w.seqs(w.bob, "words", 50, true) == std::vector<seq_t>{second, first});
  CHECK(w.seqs(w.bob, "alone", 50, true).size() == 1);
  todo = w.index.unindexed();
  REQUIRE(todo.ok());
  CHECK(todo->empty());
  // rebuild() sets every watermark to the log's end, so nothing is indexed twice afterwards.
  REQUIRE(w.index.rebuild().ok());
  CHECK(w.index.unindexed()->empty());
  CHECK(w.seqs(w.bob, "words") == std::vector<seq_t>{second, first});
}

TEST_CASE("A deleted message never matches, even before the indexer has seen the delete",
          "[persistence]") {
  BACKEND(b);
  world w(b.db());
  auto m = w.say(w.shared, w.alice, "secret plans");
  auto kept = w.say(w.shared, w.alice, "public plans");
  REQUIRE(w.index.catch_up().ok());
  REQUIRE(w.seqs(w.bob, "plans", 50, true) == std::vector<seq_t>{kept, m});
  w.append(w.shared, "message_deleted", w.alice, 0, "", m);
  // The index still holds the text, but the log says it is gone: every query mode skips it.
  CHECK(w.seqs(w.bob, "plans", 50, true) == std::vector<seq_t>{kept});
  CHECK(w.seqs(w.bob, "secret", 50, true).empty());
  CHECK(w.seqs(w.bob, "se", 50, true).empty());
  CHECK(w.seqs(w.bob, "plans") == std::vector<seq_t>{kept});  // and once indexed
}

// Not a test: figures for docs/operations.md ("Message search"). Run with "[.bench]".
TEST_CASE("Search index cost and latency on 20,000 messages", "[.bench]") {
  BACKEND(b);
  world w(b.db());
  const char* words[] = {"lunch", "ramen", "station", "report",  "東京", "タワー", "会議", "北京",
                         "见面",  "明天",  "deploy",  "metrics", "の",   "で",     "和"};
  std::mt19937 rng(7);
  constexpr int total = 20000, batch_size = 500;
  auto started = std::chrono::steady_clock::now();
  for (int done = 0; done < total; done += batch_size) {
    std::vector<event> batch;
    for (int i = 0; i < batch_size; ++i) {
      event e;
      e.conversation = i % 2 ? w.shared : w.bobs;
      e.seq = ++w.last[e.conversation];
      e.event_id = test::random_hex(32);
      e.type = "message";
      e.sender = w.bob;
      e.client_msg_id = "b" + std::to_string(done + i);
      for (int k = 0; k < 12; ++k) e.payload += std::string(words[rng() % 15]) + " ";
      e.created_at_ms = 1800000000000 + done + i;
      batch.push_back(std::move(e));
    }
    REQUIRE(w.log.append(batch).ok());
  }
  auto appended = std::chrono::steady_clock::now();
  REQUIRE(w.index.catch_up().ok());  // the indexer's work, in rounds of 1,000 seqs
  auto indexed = std::chrono::steady_clock::now();
  auto time = [&](std::string q) {
    auto t0 = std::chrono::steady_clock::now();
    auto page = w.index.search(w.alice, q, std::nullopt, 20);
    INFO(q << ": " << (page.ok() ? std::string("ok") : page.err().message));
    REQUIRE(page.ok());
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  };
  WARN(fmt::format(
      "{}: append {} messages {:.0f} ms, index them {:.0f} ms; search 'ramen station' "
      "{:.1f} ms, 'タワー 会議' {:.1f} ms, 'zzzq' (no hit) {:.1f} ms, '東京' {:.1f} ms, "
      "'xy' (no hit, scan) {:.1f} ms",
      b_kind, total, std::chrono::duration<double, std::milli>(appended - started).count(),
      std::chrono::duration<double, std::milli>(indexed - appended).count(),
      time("ramen station"), time("タワー 会議"), time("zzzq"), time("東京"), time("xy")));
}
