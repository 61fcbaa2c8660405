// The events the log writer hands the search indexer (actors/index_feed.hpp): a round's range is
// served from memory only when every event of it is held. Pure logic, no actors or database.
#include "actors/index_feed.hpp"

#include <catch2/catch.hpp>

using chat::actors::index_feed;
using chat::persistence::event;
using chat::persistence::seq_range;

namespace {

event msg(chat::persistence::seq_t seq, std::string text = "hi") {
  event e;
  e.conversation = 1;
  e.seq = seq;
  e.type = "message";
  e.payload = std::move(text);
  return e;
}

std::vector<chat::persistence::seq_t> seqs_of(const std::vector<event>& events) {
  std::vector<chat::persistence::seq_t> out;
  for (auto& e : events) out.push_back(e.seq);
  return out;
}

}  // namespace

TEST_CASE("Contiguous commits serve a round's range from memory, with their text", "[unit]") {
  index_feed f(100);
  // Seqs 1-3 committed (2 was a reaction: not indexable), then 4-5.
  f.committed(1, 0, 3, {msg(1, "one"), msg(3, "three")});
  f.committed(1, 3, 5, {msg(4), msg(5)});
  CHECK(f.size() == 4);
  std::vector<event> out;
  CHECK(f.take({1, 0, 4}, out));
  CHECK(seqs_of(out) == std::vector<chat::persistence::seq_t>{1, 3, 4});
  CHECK(out[0].payload == "one");
  CHECK(f.size() == 1);
  out.clear();
  CHECK(f.take({1, 4, 5}, out));
  CHECK(seqs_of(out) == std::vector<chat::persistence::seq_t>{5});
  CHECK(f.size() == 0);
  CHECK_FALSE(f.holds(1));
  // The next commit continues where the last one ended.
  f.committed(1, 5, 6, {msg(6)});
  out.clear();
  CHECK(f.take({1, 5, 6}, out));
  CHECK(seqs_of(out) == std::vector<chat::persistence::seq_t>{6});
}

TEST_CASE(
    "A range reaching outside what is held is read from the log, and what it covers is "
    "forgotten",
    "[unit]") {
  index_feed f(100);
  f.committed(1, 10, 12, {msg(11), msg(12)});
  std::vector<event> out;
  // The watermark is below 10 (the indexer had not seen seqs up to 10 in memory): read the log.
  CHECK_FALSE(f.take({1, 8, 11}, out));
  CHECK(out.empty());
  CHECK(f.size() == 1);  // 11 is indexed by that round; 12 stays
  CHECK(f.take({1, 11, 12}, out));
  CHECK(seqs_of(out) == std::vector<chat::persistence::seq_t>{12});
  // Beyond the last commit held: not covered either.
  f.committed(1, 12, 13, {msg(13)});
  out.clear();
  CHECK_FALSE(f.take({1, 12, 14}, out));
  CHECK(f.size() == 0);
  CHECK_FALSE(f.take({2, 0, 3}, out));  // never seen
}

TEST_CASE("A gap between commits starts the held range again", "[unit]") {
  index_feed f(100);
  f.committed(1, 0, 2, {msg(1), msg(2)});
  f.committed(1, 4, 5, {msg(5)});  // 3-4 never reported here
  CHECK(f.size() == 1);
  std::vector<event> out;
  CHECK_FALSE(f.take({1, 2, 5}, out));
  CHECK(f.take({1, 4, 4}, out) == false);  // nothing held any more
}

TEST_CASE(
    "Past its bound the feed holds nothing new for a conversation until a round reads the "
    "log",
    "[unit]") {
  index_feed f(3);
  f.committed(1, 0, 2, {msg(1), msg(2)});
  f.committed(1, 2, 4, {msg(3), msg(4)});  // would be 4 held: dropped, 1-2 with it
  CHECK(f.size() == 0);
  std::vector<event> out;
  CHECK_FALSE(f.take({1, 0, 4}, out));
  f.committed(1, 4, 5, {msg(5)});
  CHECK(f.take({1, 4, 5}, out));
  CHECK(seqs_of(out) == std::vector<chat::persistence::seq_t>{5});
}

TEST_CASE("Ranges cut short by a round take their part and keep the rest", "[unit]") {
  index_feed f(100);
  std::vector<event> batch;
  for (int s = 1; s <= 10; ++s) batch.push_back(msg(s));
  f.committed(1, 0, 10, std::move(batch));
  std::vector<event> out;
  for (int upto = 3; upto <= 10; upto += 3) {
    out.clear();
    REQUIRE(f.take({1, upto - 3, std::min(upto, 10)}, out));
    CHECK(out.front().seq == upto - 2);
  }
  out.clear();
  CHECK(f.take({1, 9, 10}, out));
  CHECK(seqs_of(out) == std::vector<chat::persistence::seq_t>{10});
  CHECK(f.size() == 0);
}
