#include "auth/db_pool.hpp"

namespace chat::auth {

persistence::result<db_pool::lease> db_pool::acquire() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !idle_.empty() || open_ < size_; });
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
