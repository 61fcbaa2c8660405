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
    auto i = slots_.find(key_of(sender, client_msg_id));
    if (i == slots_.end()) return fresh{};
    if (!i->second.durable) return pending{};
    return stored{i->second.seq, i->second.ts};
  }

  /// A new message is queued: resends of it wait from now on.
  void begin(user_id sender, const std::string& client_msg_id) {
    slots_.try_emplace(key_of(sender, client_msg_id));
  }
  /// A resend of a pending message; false when the original is not pending.
  bool wait(user_id sender, const std::string& client_msg_id, Waiter w) {
    auto i = slots_.find(key_of(sender, client_msg_id));
    if (i == slots_.end() || i->second.durable) return false;
    i->second.waiters.push_back(std::move(w));
    return true;
  }
  /// The original became durable (remembered first) or failed: the resends that waited for it.
  /// A failed one is no longer pending: its next resend is a new message.
  std::vector<Waiter> finish(user_id sender, const std::string& client_msg_id) {
    auto i = slots_.find(key_of(sender, client_msg_id));
    if (i == slots_.end()) return {};
    auto w = std::move(i->second.waiters);
    i->second.waiters.clear();
    if (!i->second.durable) slots_.erase(i);
    return w;
  }

  /// A durable message (a new one, or one read on activation). The oldest falls out when full.
  void remember(user_id sender, const std::string& client_msg_id, seq_t seq, std::int64_t ts) {
    if (client_msg_id.empty()) return;
    auto [i, added] = slots_.try_emplace(key_of(sender, client_msg_id));
    auto& s = i->second;
    if (!added && s.durable) return;
    s.durable = true;  // a pending one keeps its waiters for finish()
    s.seq = seq;
    s.ts = ts;
    order_.push_back(&i->first);  // node keys never move
    if (order_.size() > capacity_) {
      slots_.erase(slots_.find(*order_.front()));  // by iterator: the key is the node's own
      order_.pop_front();
    }
  }

  std::size_t size() const { return order_.size(); }

 private:
  static std::string key_of(user_id sender, const std::string& client_msg_id) {
    return std::to_string(sender) + '\x1f' + client_msg_id;
  }

  /// One entry per (sender, client_msg_id): pending (with its resends) until durable, then
  /// stored; one lookup per step of a message's way.
  struct slot {
    bool durable = false;
    seq_t seq = 0;
    std::int64_t ts = 0;
    std::vector<Waiter> waiters;
  };

  std::size_t capacity_;
  std::unordered_map<std::string, slot> slots_;
  std::deque<const std::string*> order_;  ///< stored keys (in slots_), oldest first
};

}  // namespace chat::actors
