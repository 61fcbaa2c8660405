#include <catch2/catch.hpp>

#include "admin/verify.hpp"

using chat::admin::log_verifier;
using chat::persistence::event;

namespace {

event ev(std::int64_t conv, std::int64_t seq, std::string type = "message", std::int64_t sender = 1,
         std::string cmid = "", std::int64_t subject = 0) {
  event e;
  e.conversation = conv;
  e.seq = seq;
  e.type = std::move(type);
  e.sender = sender;
  e.client_msg_id = cmid.empty() && e.type == "message" ? "m" + std::to_string(seq) : cmid;
  e.subject = subject;
  e.event_id = "e" + std::to_string(conv) + "-" + std::to_string(seq);
  return e;
}

/// A group 7 made by user 1 with members 1 and 2, then three messages.
std::vector<event> healthy_log() {
  return {ev(7, 1, "created", 1, ""),
          ev(7, 2, "member_added", 1, "", 1),
          ev(7, 3, "member_added", 1, "", 2),
          ev(7, 4),
          ev(7, 5),
          ev(7, 6)};
}

std::vector<std::string> kinds(const log_verifier& v) {
  std::vector<std::string> out;
  for (auto& f : v.findings()) out.push_back(f.kind);
  return out;
}

}  // namespace

TEST_CASE("A healthy log with matching tables has no findings", "[admin]") {
  log_verifier v;
  for (auto& e : healthy_log()) v.on_event(e);
  v.check_tables({7}, {{7, 1, 2}, {7, 2, 3}}, {{7, 1, 6}, {7, 2, 4}});
  CHECK(v.findings().empty());
  CHECK(v.events_checked() == 6);
  CHECK(v.conversations_checked() == 1);
}

TEST_CASE("A seq gap and a log that does not start at 1 are named", "[admin]") {
  log_verifier v;
  auto log = healthy_log();
  log.erase(log.begin() + 4);  // seq 5 missing
  for (auto& e : log) v.on_event(e);
  v.on_event(ev(9, 3, "created"));
  v.check_tables({7, 9}, {{7, 1, 2}, {7, 2, 3}}, {});
  REQUIRE(kinds(v) == std::vector<std::string>{"seq_gap", "seq_gap"});
  CHECK(v.findings()[0].conversation == 7);
  CHECK(v.findings()[0].detail.find("5..5") != std::string::npos);
  CHECK(v.findings()[1].detail.find("starts at seq 3") != std::string::npos);
}

TEST_CASE("A duplicate (sender, client_msg_id) names both seqs", "[admin]") {
  log_verifier v;
  for (auto& e : healthy_log()) v.on_event(e);
  v.on_event(ev(7, 7, "message", 1, "m5"));
  v.on_event(ev(7, 8, "message", 2, "m5"));  // another sender may reuse the id
  v.check_tables({7}, {{7, 1, 2}, {7, 2, 3}}, {});
  REQUIRE(kinds(v) == std::vector<std::string>{"duplicate_client_msg_id"});
  CHECK(v.findings()[0].detail.find("seq 5 and seq 7") != std::string::npos);
}

TEST_CASE("Memberships that differ from the replay are named both ways", "[admin]") {
  log_verifier v;
  auto log = healthy_log();
  log.push_back(ev(7, 7, "member_left", 2, "", 2));
  for (auto& e : log) v.on_event(e);
  // Table still lists user 2 (left at seq 7), misses user 1, and has a row for a deleted
  // conversation.
  v.check_tables({7}, {{7, 2, 3}, {8, 5, 0}}, {});
  auto k = kinds(v);
  std::sort(k.begin(), k.end());
  CHECK(k == std::vector<std::string>{"membership_extra", "membership_missing",
                                      "membership_without_conversation"});
}

TEST_CASE("joined_seq 0 (direct conversations) is accepted, another wrong one is not", "[admin]") {
  log_verifier v;
  for (auto& e : healthy_log()) v.on_event(e);
  v.check_tables({7}, {{7, 1, 0}, {7, 2, 2}}, {});
  REQUIRE(kinds(v) == std::vector<std::string>{"membership_joined_seq"});
}

TEST_CASE("Read positions past the log's end or of non-members are named", "[admin]") {
  log_verifier v;
  for (auto& e : healthy_log()) v.on_event(e);
  v.check_tables({7}, {{7, 1, 2}, {7, 2, 3}}, {{7, 1, 9}, {7, 3, 1}});
  CHECK(kinds(v) ==
        std::vector<std::string>{"read_position_beyond_log", "read_position_not_member"});
}

TEST_CASE("Events of a conversation without a row are named; empty logs are not compared",
          "[admin]") {
  log_verifier v;
  v.on_event(ev(3, 1, "created"));
  // Conversation 4 is a direct conversation whose first event was never written: its two
  // membership rows are expected.
  v.check_tables({4}, {{4, 1, 0}, {4, 2, 0}}, {});
  CHECK(kinds(v) == std::vector<std::string>{"events_without_conversation"});
}

TEST_CASE("Findings are capped but counted", "[admin]") {
  log_verifier v;
  for (std::int64_t s = 1; s <= 3000; s += 2) v.on_event(ev(1, s));
  CHECK(v.findings().size() == log_verifier::max_findings);
  CHECK(v.finding_count() == 1499);  // every seq after the first follows a gap
}
