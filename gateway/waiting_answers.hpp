#pragma once
// Answers of auth calls that may finish on auth's own (hashing) threads. The writers, which own
// their sessions, are held here rather than by those threads, so every session dies while the
// io_context is alive, and an answer that arrives after stop() is dropped.
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>

#include "auth/service.hpp"

namespace chat::gateway {

class waiting_answers {
 public:
  using writer = std::function<void(auth::http_response)>;
  std::uint64_t hold(writer w) {
    std::lock_guard lock(mu_);
    auto id = ++next_;
    if (open_) held_.emplace(id, std::move(w));
    return id;
  }
  void answer(std::uint64_t id, auth::http_response res) {
    std::lock_guard lock(mu_);  // held while posting: close() cannot run meanwhile
    auto it = held_.find(id);
    if (it == held_.end()) return;
    auto w = std::move(it->second);
    held_.erase(it);
    w(std::move(res));
  }
  void close() {
    std::unordered_map<std::uint64_t, writer> dropped;
    {
      std::lock_guard lock(mu_);
      open_ = false;
      dropped.swap(held_);
    }
  }

 private:
  std::mutex mu_;
  bool open_ = true;
  std::uint64_t next_ = 0;
  std::unordered_map<std::uint64_t, writer> held_;
};

}  // namespace chat::gateway
