#pragma once
// Deterministic actor tests: the real shards, conversation, user and connection actors on CAF
// 0.17's test_coordinator (the scheduler of examples/testing/ping_pong.cpp), wired into Catch2.
// Nothing runs until the test says so, one message at a time, and the test can hold actors back
// to force one interleaving of their messages. Time never advances by itself (timeouts such as
// the shards' passivation sweep stay pending).
//
// The two detached actors are replaced at their seam (they would run on threads of their own):
//  - the log writer by held_log: every append waits until the test commits it (into a real
//    SQLite database, through event_store) or fails it;
//  - the database pool by a scheduled actor that runs each db_job at once against the same
//    database.
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include "actors/handles.hpp"
#include "harness.hpp"
#include "persistence/database.hpp"
#include "persistence/result.hpp"
#include "protocol/messages.hpp"
#include "tests/support/scratch_database.hpp"

namespace chat::actors::test {

/// What the log writer double holds, shared with the test (one thread: the test's).
struct held_log {
  struct append {
    append_req req;
    caf::typed_response_promise<append_outcome> rp;
    caf::strong_actor_ptr from;  ///< the conversation actor that asked
  };
  std::deque<append> held;
  std::size_t appends = 0;  ///< append requests ever received
  std::size_t events = 0;   ///< events in them
  /// How the next commit_atom answers: written (nullopt), or failed with this code.
  std::optional<persistence::errc> fail_next;
};

/// One connection actor writing into a recording sink.
struct test_connection {
  connection_actor actor;
  std::shared_ptr<recording_sink> sink;
  persistence::user_id user = 0;

  /// Every frame so far, parsed, in order.
  std::vector<protocol::server_frame> frames() const;
  /// The frames answering request `ref`, in order.
  std::vector<protocol::server_frame> replies(const std::string& ref) const;
  /// The one reply of type T to `ref`; FAILs when it is missing, of another type or not alone.
  template <class T>
  T reply(const std::string& ref) const;
  /// Seqs of the events of `conversation` written so far, in order.
  std::vector<protocol::id_t> seqs(protocol::id_t conversation) const;
};

class coordinator_fixture {
 public:
  explicit coordinator_fixture(std::size_t shards = 2);
  ~coordinator_fixture();
  coordinator_fixture(const coordinator_fixture&) = delete;
  coordinator_fixture& operator=(const coordinator_fixture&) = delete;

  runtime& rt() { return *rt_; }
  persistence::database& db() { return *db_; }
  held_log& log() { return *log_; }

  // ---- the scheduler ----
  /// Runs every message that is ready, until none is left; how many ran.
  std::size_t run();
  /// Runs ready messages of every actor except `paused` (their mailboxes keep filling up).
  std::size_t run_except(const std::vector<caf::strong_actor_ptr>& paused);
  /// Runs ready messages of `only` until its mailbox is empty.
  std::size_t run_only(const caf::strong_actor_ptr& only);

  // ---- the log writer double ----
  /// The oldest held append goes to the database and is answered (or fails, see fail_next).
  void commit_next();
  /// The events of held append `i`.
  const std::vector<persistence::event>& held_events(std::size_t i = 0) const;

  // ---- set-up and clients ----
  persistence::user_id make_user(const std::string& name);
  /// A group with these members, its beginning (created, one member_added each) in the log.
  persistence::conversation_id make_group(const std::string& title,
                                          const std::vector<persistence::user_id>& members);
  /// `count` messages from `sender` after the log's last seq, written straight into the log.
  void append_messages(persistence::conversation_id c, persistence::user_id sender, int count);
  test_connection connect(persistence::user_id user, const std::string& username);
  /// One client frame into the connection (as the gateway does).
  void say(const test_connection& c, const protocol::request& r);
  /// hello, run, REQUIRE welcome.
  void hello(const test_connection& c);

  const directory_shard& shard_of_conversation(persistence::conversation_id id) const {
    return rt_->shard_of_conversation(id);
  }
  const directory_shard& shard_of_user(persistence::user_id id) const {
    return rt_->shard_of_user(id);
  }

 private:
  test_support::scratch_database scratch_;  // first: outlives every actor
  std::shared_ptr<persistence::database> db_;
  caf::actor_system_config cfg_;
  caf::actor_system sys_;
  caf::scheduler::test_coordinator& sched_;
  std::shared_ptr<held_log> log_ = std::make_shared<held_log>();
  runtime_ptr rt_ = std::make_shared<runtime>();
  std::vector<caf::actor> connections_;
};

/// A strong pointer to any handle (what run_except and run_only take).
template <class Handle>
caf::strong_actor_ptr ptr(const Handle& h) {
  return caf::actor_cast<caf::strong_actor_ptr>(h);
}

/// True once the actor has stopped (its handle may still be held).
bool terminated(const caf::strong_actor_ptr& a);

template <class T>
T test_connection::reply(const std::string& ref) const {
  auto all = replies(ref);
  if (all.size() != 1) FAIL(all.size() << " replies to " << ref << ", expected one");
  auto* x = std::get_if<T>(&all.front());
  if (!x)
    FAIL("the reply to " << ref << " has another type (variant index " << all.front().index()
                         << ")");
  return *x;
}

}  // namespace chat::actors::test
