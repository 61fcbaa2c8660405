#include "auth/db_pool.hpp"

namespace chat::auth {

persistence::result<db_pool::lease> db_pool::acquire() {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, max_wait_, [&] { return !idle_.empty() || open_ < size_; })) {
    return persistence::error{persistence::errc::unavailable,
                              "every database connection is busy (is the database stalled?)"};
  }
  if (!idle_.empty()) {
    auto db = std::move(idle_.back());
    idle_.pop_back();
    return lease(*this, std::move(db));
  }
  ++open_;  // reserve the slot, connect without holding the lock
  lock.unlock();
  auto db = persistence::database::open(cfg_);
  if (!db) {
    forget_one();
    return db.err();
  }
  return lease(*this, std::move(db).value());
}

void db_pool::put_back(std::unique_ptr<persistence::database> db) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(db));
  }
  cv_.notify_one();
}

void db_pool::forget_one() {
  {
    std::lock_guard lock(mu_);
    --open_;
  }
  cv_.notify_one();
}

}  // namespace chat::auth
