#pragma once
// The one home of chatd's blocking database work: auth's request threads and the actors'
// database workers take their connections here (persistence::database is not thread-safe: a
// connection serves one caller at a time). Bounded: at most `size` connections, and a bounded
// wait for a free one (a stalled database must not park every caller). A connection that was
// lost is dropped; the next use reconnects. Losses and reconnects are reported to an observer
// once per outage, so each owner logs them under its own component.
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "persistence/database.hpp"
#include "persistence/result.hpp"

namespace chat::persistence {

class connection_pool {
 public:
  enum class event {
    lost,              ///< a connection failed in use (unavailable): dropped
    reconnect_failed,  ///< opening a connection after a loss failed (once until one succeeds)
    reconnected,       ///< a connection was opened again after a loss
  };
  using observer = std::function<void(event, std::string_view detail)>;

  /// `size` >= 1 connections, opened on demand; `max_wait`: how long acquire() waits for a free
  /// one before it answers unavailable. `on_event` may be called from any caller's thread.
  connection_pool(db_config cfg, int size,
                  std::chrono::milliseconds max_wait = std::chrono::seconds(5),
                  observer on_event = {});
  connection_pool(const connection_pool&) = delete;
  connection_pool& operator=(const connection_pool&) = delete;

  /// Exclusive use of one connection until destroyed. `broken()` drops it instead of returning
  /// it (after a lost connection), so the next lease reconnects.
  class lease {
   public:
    lease(connection_pool& p, std::unique_ptr<database> db) : pool_(&p), db_(std::move(db)) {}
    lease(lease&& o) noexcept : pool_(o.pool_), db_(std::move(o.db_)) {}
    lease& operator=(lease&&) = delete;
    ~lease();
    database& operator*() { return *db_; }
    database* operator->() { return db_.get(); }
    /// Drops the connection (it was lost); `why` goes to the observer.
    void broken(std::string_view why = "connection lost");

   private:
    connection_pool* pool_;
    std::unique_ptr<database> db_;
  };

  /// Waits (at most max_wait) for a free connection, opening one if fewer than `size` exist;
  /// errc::unavailable when none came free or the database cannot be reached.
  result<lease> acquire();

  /// Runs `job(database&)` on a leased connection and returns what it returns. When no connection
  /// can be had, `on_error(error)` makes the return value instead. When `lost(reply)` says the
  /// connection failed, it is dropped (the next job reconnects).
  template <class Job, class OnError, class Lost>
  auto run(Job&& job, OnError&& on_error, Lost&& lost) -> std::invoke_result_t<Job, database&> {
    auto l = acquire();
    if (!l) return on_error(l.err());
    auto reply = job(**l);
    if (lost(reply)) l->broken("a job lost its connection");
    return reply;
  }

  /// The same for jobs that return a result<T> or status: unavailable drops the connection.
  template <class Job>
  auto run(Job&& job) -> std::invoke_result_t<Job, database&> {
    using reply_t = std::invoke_result_t<Job, database&>;
    return run(
        std::forward<Job>(job), [](const error& e) -> reply_t { return e; },
        [](const reply_t& r) { return !r && r.err().code == errc::unavailable; });
  }

  /// Connections open now (idle or leased).
  int open_connections() const;
  /// Closes the idle connections (at shutdown: leased ones stay with their callers).
  void close_idle();

 private:
  void put_back(std::unique_ptr<database> db);
  void forget_one(std::string_view why);
  void report(event e, std::string_view detail);

  db_config cfg_;
  int size_;
  std::chrono::milliseconds max_wait_;
  observer on_event_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<database>> idle_;
  int open_ = 0;
  bool lost_ = false;     ///< a connection was lost and none has been opened since
  bool failing_ = false;  ///< reconnect_failed was reported for this outage
};

}  // namespace chat::persistence
