#include "coordinator_fixture.hpp"

#include <algorithm>

#include "actors/connection_actor.hpp"
#include "actors/directory.hpp"
#include "actors/frames.hpp"
#include "metrics/registry.hpp"
#include "persistence/conversation_store.hpp"
#include "persistence/event_store.hpp"
#include "persistence/user_store.hpp"
#include "protocol/serializer.hpp"
#include "util/clock.hpp"

namespace chat::actors::test {

namespace {

/// The log writer's interface, answering only when the test sends commit_atom.
log_writer_actor::behavior_type held_log_writer(log_writer_actor::pointer self,
                                                std::shared_ptr<held_log> book,
                                                std::shared_ptr<persistence::database> db) {
  return {
      [=](append_atom, append_req& r) -> caf::result<append_outcome> {
        if (r.events.empty()) return append_outcome{};
        auto from = self->current_sender();  // before the promise takes it over
        auto rp = self->make_response_promise<append_outcome>();
        ++book->appends;
        book->events += r.events.size();
        book->held.push_back({std::move(r), rp, std::move(from)});
        return rp;
      },
      [](touch_atom) {},  // this writer writes activity with every append (event_store::append)
      [=](commit_atom) {
        if (book->held.empty()) return;  // commit_next REQUIREs one
        auto a = std::move(book->held.front());
        book->held.pop_front();
        auto& events = a.req.events;
        std::optional<persistence::error> failed;
        if (book->fail_next)
          failed = persistence::error{*book->fail_next, "failed by the test"};
        else if (auto s = persistence::event_store{*db}.append(events); !s)
          failed = s.err();
        book->fail_next.reset();
        append_outcome o;
        if (failed) {
          // Like the real writer: a failed append wrote none of its events.
          o.committed_upto = events.front().seq - 1;
          o.failed = true;
          o.failed_seq = events.front().seq;
          o.code = failed->code;
          o.message = failed->message;
        } else {
          o.committed_upto = events.back().seq;
        }
        a.rp.deliver(std::move(o));
      },
      [=](drain_atom) { return caf::ok_atom_v; },
      [=](inspect_atom) { return actor_report{}; },
  };
}

/// The database pool: each job at once, against the test's database.
caf::behavior db_now(caf::event_based_actor*, std::shared_ptr<persistence::database> db) {
  return {
      [=](db_job& job) -> caf::message { return job.run(*db); },
  };
}

std::shared_ptr<persistence::database> open_db(const std::string& url) {
  auto db = persistence::database::open(url);
  if (!db) FAIL("open " << url << ": " << db.err().message);
  return std::shared_ptr<persistence::database>(std::move(*db));
}

caf::actor_system_config& testing(caf::actor_system_config& cfg) {
  cfg.set("scheduler.policy", caf::atom("testing"));
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  return cfg;
}

/// A log event written by the test itself (not through the actors).
persistence::event seeded(persistence::conversation_id c, persistence::seq_t seq, std::string type,
                          persistence::user_id sender, std::string payload) {
  persistence::event e;
  e.conversation = c;
  e.seq = seq;
  e.event_id = random_event_id();
  e.type = std::move(type);
  e.sender = sender;
  e.payload = std::move(payload);
  e.created_at_ms = util::now_ms();
  return e;
}

caf::resumable* job_of(const caf::strong_actor_ptr& a) {
  return dynamic_cast<caf::resumable*>(caf::actor_cast<caf::abstract_actor*>(a));
}

}  // namespace

// ---- test_connection ----

std::vector<protocol::server_frame> test_connection::frames() const {
  std::vector<protocol::server_frame> out;
  for (auto& text : sink->frames()) out.push_back(parse(text));
  return out;
}

std::vector<protocol::server_frame> test_connection::replies(const std::string& ref) const {
  std::vector<protocol::server_frame> out;
  for (auto& f : frames())
    if (ref_of(f) == ref) out.push_back(f);
  return out;
}

std::vector<protocol::id_t> test_connection::seqs(protocol::id_t conversation) const {
  std::vector<protocol::id_t> out;
  for (auto& f : frames())
    if (auto* e = std::get_if<protocol::event_frame>(&f); e && e->conversation == conversation)
      out.push_back(e->seq);
  return out;
}

bool terminated(const caf::strong_actor_ptr& a) {
  return caf::actor_cast<caf::abstract_actor*>(a)->getf(caf::abstract_actor::is_terminated_flag);
}

// ---- coordinator_fixture ----

coordinator_fixture::coordinator_fixture(std::size_t shards)
    : scratch_("sqlite", true, "chat_coordinator"),
      db_(open_db(scratch_.url())),
      sys_(testing(cfg_)),
      sched_(dynamic_cast<caf::scheduler::test_coordinator&>(sys_.scheduler())) {
  rt_->cfg.db_url = scratch_.url();
  rt_->cfg.directory_shards = shards;
  rt_->metrics = std::make_shared<chat::metrics::registry>();
  rt_->log_writer = sys_.spawn(held_log_writer, log_, db_);
  rt_->db = sys_.spawn(db_now, db_);
  for (std::size_t i = 0; i < shards; ++i)
    rt_->shards.push_back(spawn_directory_shard(sys_, rt_, i));
}

coordinator_fixture::~coordinator_fixture() {
  // Promises still held answer nobody; every actor stops (shards take their children along), so
  // the actor system's shutdown finds nothing running.
  log_->held.clear();
  for (auto& c : connections_) caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
  for (auto& s : rt_->shards) caf::anon_send_exit(s, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(rt_->log_writer, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(rt_->db, caf::exit_reason::user_shutdown);
  run();
}

std::size_t coordinator_fixture::run() {
  return sched_.run();
}

std::size_t coordinator_fixture::run_except(const std::vector<caf::strong_actor_ptr>& paused) {
  std::vector<caf::resumable*> skip;
  for (auto& p : paused) skip.push_back(job_of(p));
  return sched_.run_jobs_filtered(
      [&](caf::resumable* r) { return std::find(skip.begin(), skip.end(), r) == skip.end(); });
}

std::size_t coordinator_fixture::run_only(const caf::strong_actor_ptr& only) {
  auto job = job_of(only);
  return sched_.run_jobs_filtered([&](caf::resumable* r) { return r == job; });
}

void coordinator_fixture::commit_next() {
  REQUIRE_FALSE(log_->held.empty());
  caf::anon_send(rt_->log_writer, commit_atom_v);
}

const std::vector<persistence::event>& coordinator_fixture::held_events(std::size_t i) const {
  REQUIRE(i < log_->held.size());
  return log_->held[i].req.events;
}

persistence::user_id coordinator_fixture::make_user(const std::string& name) {
  auto u = persistence::user_store{*db_}.create(name);
  if (!u) FAIL("create user " << name << ": " << u.err().message);
  return u->id;
}

persistence::conversation_id coordinator_fixture::make_group(
    const std::string& title, const std::vector<persistence::user_id>& members) {
  REQUIRE_FALSE(members.empty());
  auto c = persistence::conversation_store{*db_}.create_group(title, util::now_ms());
  if (!c) FAIL("create group: " << c.err().message);
  std::vector<persistence::event> events;
  auto add = [&](std::string type, persistence::user_id subject, std::string payload) {
    events.push_back(seeded(c->id, static_cast<persistence::seq_t>(events.size()) + 1,
                            std::move(type), members.front(), std::move(payload)));
    events.back().subject = subject;
  };
  add("created", 0, title);
  for (auto m : members) add("member_added", m, {});
  auto s = persistence::event_store{*db_}.append(events);
  if (!s) FAIL("append: " << s.err().message);
  return c->id;
}

void coordinator_fixture::append_messages(persistence::conversation_id c,
                                          persistence::user_id sender, int count) {
  persistence::event_store log{*db_};
  auto last = log.last_seq(c);
  REQUIRE(last);
  std::vector<persistence::event> events;
  for (int i = 1; i <= count; ++i) {
    auto seq = *last + i;
    events.push_back(seeded(c, seq, "message", sender, "seeded " + std::to_string(seq)));
    events.back().client_msg_id = "seeded-" + std::to_string(seq);
  }
  auto s = log.append(events);
  if (!s) FAIL("append: " << s.err().message);
}

test_connection coordinator_fixture::connect(persistence::user_id user,
                                             const std::string& username) {
  test_connection c;
  c.sink = std::make_shared<recording_sink>();
  c.user = user;
  c.actor = spawn_connection(sys_, rt_, user, username, c.sink);
  connections_.push_back(caf::actor_cast<caf::actor>(c.actor));
  return c;
}

void coordinator_fixture::say(const test_connection& c, const protocol::request& r) {
  caf::anon_send(c.actor, frame_atom_v, protocol::serialize(r));
}

void coordinator_fixture::hello(const test_connection& c) {
  say(c, protocol::hello_req{"hello", 1, std::nullopt});
  run();
  auto w = c.reply<protocol::welcome_frame>("hello");
  REQUIRE(w.user.id == c.user);
}

}  // namespace chat::actors::test
