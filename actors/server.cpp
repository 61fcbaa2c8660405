#include "actors/server.hpp"

#include <optional>
#include <thread>

#include <caf/all.hpp>

#include "actors/admin_actor.hpp"
#include "actors/connection_actor.hpp"
#include "actors/db_worker.hpp"
#include "actors/directory.hpp"
#include "actors/handles.hpp"
#include "actors/log_writer.hpp"
#include "actors/messages.hpp"
#include "actors/search_indexer.hpp"
#include "persistence/message_search.hpp"
#include "protocol/error_code.hpp"

namespace chat::actors {

namespace {

constexpr std::size_t db_workers = 3;  ///< history, membership and lookup jobs in parallel

/// What the gateway holds per socket: forwards to the connection actor. Dropping it without
/// on_closed() counts as closed, so an actor never outlives its socket.
class connection_handle final : public connection {
 public:
  explicit connection_handle(connection_actor a) : actor_(std::move(a)) {}
  ~connection_handle() override { on_closed(); }
  void on_frame(std::string text) override {
    caf::anon_send(actor_, frame_atom_v, std::move(text));
  }
  void on_closed() override {
    // High priority: a slow consumer's mailbox may hold many pushes; they are moot now.
    if (!closed_.exchange(true)) caf::anon_send<caf::message_priority::high>(actor_, closed_atom_v);
  }

 private:
  connection_actor actor_;
  std::atomic<bool> closed_{false};
};

/// Used after stop(): the socket is closed right away.
class refused_connection final : public connection {
 public:
  void on_frame(std::string) override {}
  void on_closed() override {}
};

class server_impl final : public server {
 public:
  server_impl(caf::actor_system& sys, runtime_ptr rt)
      : sys_(sys), rt_(std::move(rt)), admin_(spawn_admin(sys_, rt_)) {}
  ~server_impl() override { stop(std::chrono::seconds(5)); }

  std::shared_ptr<connection> connect(persistence::user_id user, std::string username,
                                      std::shared_ptr<frame_sink> sink,
                                      std::int64_t session_expires_ms) override {
    if (rt_->stopping.load()) {
      sink->close(1001, "server shutting down");
      return std::make_shared<refused_connection>();
    }
    return std::make_shared<connection_handle>(spawn_connection(
        sys_, rt_, user, std::move(username), std::move(sink), session_expires_ms));
  }

  void stop(std::chrono::milliseconds deadline) override {
    if (stopped_.exchange(true)) return;
    rt_->stopping.store(true);
    auto until = std::chrono::steady_clock::now() + deadline;
    auto left = [&] {
      auto d = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      return caf::duration{std::max(d, std::chrono::milliseconds(1))};
    };
    {
      caf::scoped_actor self{sys_};
      // 1. Conversations hand their queued sends to the log writer and wait for the outcome.
      for (auto& shard : rt_->shards)
        self->request(shard, left(), drain_atom_v).receive([](caf::ok_atom) {}, [](caf::error&) {});
      // 2. The log writer commits whatever is still pending.
      self->request(rt_->log_writer, left(), drain_atom_v)
          .receive([](caf::ok_atom) {}, [](caf::error&) {});
      // 3. Every socket gets a close frame 1001.
      std::vector<connection_actor> conns;
      {
        std::lock_guard<std::mutex> guard{rt_->connections_mu};
        for (auto& [id, a] : rt_->connections) conns.push_back(a);
      }
      for (auto& c : conns) self->send(c, shutdown_atom_v);
      while (std::chrono::steady_clock::now() < until) {
        {
          std::lock_guard<std::mutex> guard{rt_->connections_mu};
          if (rt_->connections.empty()) break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      // 4. Everything else ends (shards take their conversation and user actors with them).
      //    Wait for the detached actors: their database connections must be closed when
      //    stop() returns (a new server may open the same SQLite file right away).
      std::vector<caf::actor> all;
      for (auto& c : conns) all.push_back(caf::actor_cast<caf::actor>(c));
      for (auto& s : rt_->shards) all.push_back(caf::actor_cast<caf::actor>(s));
      all.push_back(caf::actor_cast<caf::actor>(rt_->log_writer));
      all.push_back(caf::actor_cast<caf::actor>(rt_->indexer));
      all.push_back(caf::actor_cast<caf::actor>(admin_));
      all.insert(all.end(), rt_->db_workers.begin(), rt_->db_workers.end());
      for (auto& a : all) self->monitor(a);
      for (auto& a : all) self->send_exit(a, caf::exit_reason::user_shutdown);
      self->send_exit(rt_->db, caf::exit_reason::user_shutdown);
      std::size_t down = 0;
      bool timed_out = false;
      while (down < all.size() && !timed_out) {
        auto rest = std::max(std::chrono::duration_cast<std::chrono::milliseconds>(
                                 until - std::chrono::steady_clock::now()),
                             std::chrono::milliseconds(1));
        self->receive([&](caf::down_msg&) { ++down; },
                      caf::after(rest) >> [&] { timed_out = true; });
      }
      // The workers are gone: their connections are idle now.
      if (rt_->db_connections) rt_->db_connections->close_idle();
    }
  }

  metrics snapshot() const override {
    auto& m = *rt_->metrics;
    auto n = [](const auto& metric) { return static_cast<std::int64_t>(metric.Value()); };
    metrics out;
    out.connections = n(m.connections);
    out.live_users = n(m.live_users);
    out.live_conversations = n(m.live_conversations);
    out.frames_in = n(m.frames_in);
    out.frames_out = n(m.frames_out);
    auto [events, batches] = chat::metrics::registry::sum_count(m.log_batch_size);
    out.log_batches = static_cast<std::int64_t>(batches);
    out.log_events = static_cast<std::int64_t>(events);
    auto commit_s = chat::metrics::registry::sum_count(m.commit_seconds).first;
    out.log_commit_us_total = static_cast<std::int64_t>(commit_s * 1e6);
    out.log_commit_us_max = static_cast<std::int64_t>(m.commit_seconds_max.Value() * 1e6);
    out.passivations = n(m.passivations);
    out.errors_by_code = m.errors_by_code();
    return out;
  }

  chat::metrics::registry& registry() override { return *rt_->metrics; }

  persistence::result<std::vector<actor_report>> list_actors() override {
    return ask<std::vector<actor_report>>(list_atom_v);
  }
  persistence::result<std::vector<actor_report>> inspect(std::string kind,
                                                         std::int64_t id) override {
    return ask<std::vector<actor_report>>(inspect_atom_v, std::move(kind), id);
  }
  persistence::result<live_status> live_status_now() override {
    return ask<live_status>(status_atom_v);
  }
  persistence::result<bool> passivate_conversation(persistence::conversation_id id) override {
    return ask<bool>(passivate_atom_v, id);
  }
  persistence::result<std::int64_t> disconnect_user(persistence::user_id user, std::uint16_t code,
                                                    std::string reason) override {
    return ask<std::int64_t>(kick_atom_v, user, code, std::move(reason));
  }

 private:
  /// A blocking request to the admin actor (for the admin surface's own threads only).
  template <class T, class... Ts>
  persistence::result<T> ask(Ts&&... xs) {
    if (stopped_.load())
      return persistence::error{persistence::errc::unavailable, "the server is stopping"};
    caf::scoped_actor self{sys_};
    std::optional<persistence::result<T>> out;
    self->request(admin_, std::chrono::seconds(10), std::forward<Ts>(xs)...)
        .receive([&](T& v) { out.emplace(std::move(v)); },
                 [&](caf::error& e) {
                   out.emplace(
                       persistence::error{persistence::errc::unavailable,
                                          "the actor system did not answer: " + caf::to_string(e)});
                 });
    return std::move(*out);
  }

  caf::actor_system& sys_;
  runtime_ptr rt_;
  admin_actor admin_;
  std::atomic<bool> stopped_{false};
};

}  // namespace

persistence::result<std::unique_ptr<server>> server::start(
    caf::actor_system& sys, server_config cfg, std::shared_ptr<chat::metrics::registry> registry) {
  if (cfg.directory_shards == 0) cfg.directory_shards = 1;
  if (cfg.max_batch == 0) cfg.max_batch = 1;
  // The log writer's connection is opened here, so a wrong URL or a dead database fails start().
  auto db = persistence::database::open(cfg.db_url);
  if (!db) return db.err();
  auto rt = std::make_shared<runtime>();
  rt->cfg = cfg;
  rt->db_budgets.configure(cfg.db_work_burst, cfg.db_work_per_second);
  rt->metrics = registry ? std::move(registry) : std::make_shared<chat::metrics::registry>();
  rt->db = spawn_db_pool(sys, (*db)->config(), db_workers, rt);
  // The search indexer's own connection (it writes beside the log writer, never in its commit).
  auto index_db = persistence::database::open(cfg.db_url);
  if (!index_db) return index_db.err();
  if (auto tuned = persistence::message_search::prepare_indexer_connection(**index_db); !tuned)
    return tuned.err();
  rt->indexer =
      spawn_search_indexer(sys, std::shared_ptr<persistence::database>(std::move(*index_db)), rt);
  rt->log_writer =
      spawn_log_writer(sys, std::shared_ptr<persistence::database>(std::move(*db)), rt);
  for (std::size_t i = 0; i < cfg.directory_shards; ++i)
    rt->shards.push_back(spawn_directory_shard(sys, rt, i));
  return std::unique_ptr<server>(std::make_unique<server_impl>(sys, std::move(rt)));
}

}  // namespace chat::actors
