#pragma once
// A few database connections shared by the threads that call service::handle(); each connection is
// used by one thread at a time (persistence::database is not thread-safe).
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "persistence/database.hpp"

namespace chat::auth {

class db_pool {
 public:
  /// `max_wait`: how long acquire() waits for a free connection before it answers unavailable (a
  /// frozen database must not park every caller forever).
  db_pool(persistence::db_config cfg, int size,
          std::chrono::milliseconds max_wait = std::chrono::seconds(5))
      : cfg_(std::move(cfg)), size_(size < 1 ? 1 : size), max_wait_(max_wait) {}

  /// Exclusive use of one connection until destroyed. `broken()` drops it instead of returning it
  /// (after a lost connection), so the next lease reconnects.
  class lease {
   public:
    lease(db_pool& p, std::unique_ptr<persistence::database> db) : pool_(&p), db_(std::move(db)) {}
    lease(lease&& o) noexcept : pool_(o.pool_), db_(std::move(o.db_)) {}
    lease& operator=(lease&&) = delete;
    ~lease() {
      if (db_) pool_->put_back(std::move(db_));
    }
    persistence::database& operator*() { return *db_; }
    persistence::database* operator->() { return db_.get(); }
    void broken() {
      if (!db_) return;  // already dropped
      db_.reset();
      pool_->forget_one();
    }

   private:
    db_pool* pool_;
    std::unique_ptr<persistence::database> db_;
  };

  /// Waits (at most max_wait) for a free connection, opening one if fewer than `size` exist;
  /// errc::unavailable when none came free or the database cannot be reached.
  persistence::result<lease> acquire();

 private:
  void put_back(std::unique_ptr<persistence::database> db);
  void forget_one();

  persistence::db_config cfg_;
  int size_;
  std::chrono::milliseconds max_wait_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<persistence::database>> idle_;
  int open_ = 0;
};

}  // namespace chat::auth
