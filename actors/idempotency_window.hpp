#pragma once
// A conversation's idempotency window, apart from its actor: which (sender, client_msg_id) pairs
// it has stored (the newest `capacity`, with their seq and ts), and which are still on their way
// to the log, with the resends waiting for them. No CAF: `Waiter` is whatever the actor needs to
// answer a resend later (a response promise and a request id); the tests use strings.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "persistence/types.hpp"

namespace chat::actors {

template <class Waiter>
class idempotency_window {
 public:
  using user_id = persistence::user_id;
  using seq_t = persistence::seq_t;

  /// The message is durable: answer with its original seq and ts.
  struct stored {
    seq_t seq = 0;
    std::int64_t ts = 0;
  };
  /// The original is queued or in flight: wait for it.
  struct pending {};
  /// Never seen (within the window): a new message.
  struct fresh {};
  using lookup = std::variant<fresh, pending, stored>;

  explicit idempotency_window(std::size_t capacity) : capacity_(capacity) {}

  lookup find(user_id sender, const std::string& client_msg_id) const {
    auto key = key_of(sender, client_msg_id);
    if (auto i = stored_.find(key); i != stored_.end()) return i->second;
    if (waiting_.count(key)) return pending{};
    return fresh{};
  }

  /// A new message is queued: resends of it wait from now on.
  void begin(user_id sender, const std::string& client_msg_id) {
    waiting_.emplace(key_of(sender, client_msg_id), std::vector<Waiter>{});
  }
  /// A resend of a pending message; false when the original is not pending.
  bool wait(user_id sender, const std::string& client_msg_id, Waiter w) {
    auto i = waiting_.find(key_of(sender, client_msg_id));
    if (i == waiting_.end()) return false;
    i->second.push_back(std::move(w));
    return true;
  }
  /// The original became durable or failed: the resends that waited for it (no longer pending).
  std::vector<Waiter> finish(user_id sender, const std::string& client_msg_id) {
    auto i = waiting_.find(key_of(sender, client_msg_id));
    if (i == waiting_.end()) return {};
    auto w = std::move(i->second);
    waiting_.erase(i);
    return w;
  }

  /// A durable message (a new one, or one read on activation). The oldest falls out when full.
  void remember(user_id sender, const std::string& client_msg_id, seq_t seq, std::int64_t ts) {
    if (client_msg_id.empty()) return;
    auto key = key_of(sender, client_msg_id);
    if (!stored_.emplace(key, stored{seq, ts}).second) return;
    order_.push_back(std::move(key));
    if (order_.size() > capacity_) {
      stored_.erase(order_.front());
      order_.pop_front();
    }
  }

  std::size_t size() const { return stored_.size(); }

 private:
  static std::string key_of(user_id sender, const std::string& client_msg_id) {
    return std::to_string(sender) + '\x1f' + client_msg_id;
  }

  std::size_t capacity_;
  std::unordered_map<std::string, stored> stored_;
  std::deque<std::string> order_;  ///< stored keys, oldest first
  std::unordered_map<std::string, std::vector<Waiter>> waiting_;
};

}  // namespace chat::actors
