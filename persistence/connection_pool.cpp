#include "persistence/connection_pool.hpp"

namespace chat::persistence {

connection_pool::connection_pool(db_config cfg, int size, std::chrono::milliseconds max_wait,
                                 observer on_event)
    : cfg_(std::move(cfg)),
      size_(size < 1 ? 1 : size),
      max_wait_(max_wait),
      on_event_(std::move(on_event)) {}

connection_pool::lease::~lease() {
  if (db_) pool_->put_back(std::move(db_));
}

void connection_pool::lease::broken(std::string_view why) {
  if (!db_) return;  // already dropped
  db_.reset();
  pool_->forget_one(why);
}

result<connection_pool::lease> connection_pool::acquire() {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, max_wait_, [&] { return !idle_.empty() || open_ < size_; })) {
    return error{errc::unavailable, "every database connection is busy (is the database stalled?)"};
  }
  if (!idle_.empty()) {
    auto db = std::move(idle_.back());
    idle_.pop_back();
    return lease(*this, std::move(db));
  }
  ++open_;  // reserve the slot, connect without holding the lock
  lock.unlock();
  auto db = database::open(cfg_);
  lock.lock();
  if (!db) {
    --open_;
    lost_ = true;
    const bool first = !failing_;
    failing_ = true;
    lock.unlock();
    cv_.notify_one();
    if (first) report(event::reconnect_failed, db.err().message);
    return db.err();
  }
  const bool again = lost_;
  lost_ = failing_ = false;
  lock.unlock();
  if (again) report(event::reconnected, {});
  return lease(*this, std::move(db).value());
}

int connection_pool::open_connections() const {
  std::lock_guard lock(mu_);
  return open_;
}

void connection_pool::close_idle() {
  std::vector<std::unique_ptr<database>> closing;
  {
    std::lock_guard lock(mu_);
    closing.swap(idle_);
    open_ -= static_cast<int>(closing.size());
  }
  cv_.notify_all();
}  // closed here, outside the lock

void connection_pool::put_back(std::unique_ptr<database> db) {
  {
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(db));
  }
  cv_.notify_one();
}

void connection_pool::forget_one(std::string_view why) {
  bool first = false;
  {
    std::lock_guard lock(mu_);
    --open_;
    first = !lost_;
    lost_ = true;
  }
  cv_.notify_one();
  if (first) report(event::lost, why);
}

void connection_pool::report(event e, std::string_view detail) {
  if (on_event_) on_event_(e, detail);
}

}  // namespace chat::persistence
