#pragma once
// Password hashing on its own threads: argon2id costs ~64 MiB and tens of milliseconds per call,
// so a flood of sign-ins must not occupy the threads that check sessions, nor grow memory without
// bound. A fixed number of threads (the global concurrency cap) takes jobs from a bounded queue;
// beyond it a job is refused at once and the caller answers "busy, retry".
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace chat::auth {

class hash_pool {
 public:
  /// `threads` run at once (>= 1); at most `queue_limit` more wait.
  hash_pool(int threads, std::size_t queue_limit);
  ~hash_pool();  ///< runs what is queued, then joins
  hash_pool(const hash_pool&) = delete;
  hash_pool& operator=(const hash_pool&) = delete;

  /// Queues `job`; false (and `job` is not run) when the queue is full.
  bool try_submit(std::function<void()> job);
  std::size_t queued() const;

 private:
  void run();
  std::size_t limit_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace chat::auth
