#pragma once
// What every session of one gateway server sees (chat-multi's shared_state): the settings, the
// actor system and auth, the metrics, the blocking pool, the open WebSocket sessions (so
// shutdown can close those the actor system does not know yet) and the per-address counts.
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include <boost/asio/thread_pool.hpp>

#include "gateway/attachments.hpp"
#include "gateway/origin_policy.hpp"
#include "gateway/server.hpp"
#include "gateway/waiting_answers.hpp"
#include "persistence/outage_log.hpp"

namespace chat::metrics {
class registry;
}

namespace chat::gateway {

class shared_state {
 public:
  shared_state(config c, actors::server& a, auth::service& s);

  const config cfg;
  actors::server& actors;
  auth::service& auth;
  chat::metrics::registry& stats;  ///< the process's one registry (the actors' too)
  const origin_policy origins{cfg.allowed_origins};
  const std::shared_ptr<waiting_answers> waiting_auth = std::make_shared<waiting_answers>();
  /// Runs auth::service calls, which block on the database. Owned by pointer so the server can
  /// tear it down after the io_context (whose queued handlers post to it).
  std::unique_ptr<boost::asio::thread_pool> pool;
  /// /api/attachments (off when cfg.attachments.dir is empty): its own threads for files,
  /// libvips and the database.
  std::unique_ptr<attachment_service> attachments;
  /// False once the server stops accepting: upgrades are refused, the listeners stop.
  std::atomic<bool> accepting{false};

  /// Registers an open WebSocket session; `closer` posts a close onto its strand.
  std::uint64_t add_session(std::function<void()> closer);
  /// Every trim_after_closes removals, the allocator's free pages go back to the system.
  void remove_session(std::uint64_t id);
  /// Closes every registered session (each closer runs outside the lock).
  void close_all_sessions();

  /// Counts a new connection; false when its address is at the cap (then it is not counted).
  bool admit(const std::string& ip);
  void release(const std::string& ip);

  /// A fault answered `unavailable` by the gateway itself: counted, logged at most every 5 s.
  void note_outage(std::string_view source, std::string_view message);

  /// glibc keeps what a burst of connections freed in its arenas (their peak stays resident):
  /// after this many closes, malloc_trim on the blocking pool returns the free pages.
  static constexpr std::uint64_t trim_after_closes = 1000;

 private:
  void trim_after_burst();

  std::mutex sessions_mutex_;
  std::uint64_t next_session_id_ = 0;
  std::unordered_map<std::uint64_t, std::function<void()>> session_closers_;
  std::uint64_t closed_since_trim_ = 0;  ///< under sessions_mutex_
  std::atomic<bool> trimming_{false};
  // Open connections per client address (the TCP peer), capped by cfg.max_connections_per_ip.
  std::mutex per_ip_mutex_;
  std::unordered_map<std::string, int> per_ip_;
  persistence::outage_log outages_;
};

}  // namespace chat::gateway
