#include "gateway/shared_state.hpp"

#include <malloc.h>
#include <algorithm>
#include <boost/asio/post.hpp>
#include <vector>

#include "actors/server.hpp"
#include "logging/logger.hpp"
#include "metrics/registry.hpp"

namespace chat::gateway {

shared_state::shared_state(config c, actors::server& a, auth::service& s)
    : cfg(std::move(c)),
      actors(a),
      auth(s),
      stats(a.registry()),
      pool(std::make_unique<boost::asio::thread_pool>(std::max(1, cfg.blocking_threads))) {}

std::uint64_t shared_state::add_session(std::function<void()> closer) {
  std::lock_guard lock(sessions_mutex_);
  auto id = ++next_session_id_;
  session_closers_.emplace(id, std::move(closer));
  return id;
}

void shared_state::remove_session(std::uint64_t id) {
  {
    std::lock_guard lock(sessions_mutex_);
    session_closers_.erase(id);
    if (++closed_since_trim_ < trim_after_closes) return;
    closed_since_trim_ = 0;
  }
  trim_after_burst();
}

void shared_state::trim_after_burst() {
#ifdef __GLIBC__
  // One trim at a time, off the I/O threads (it walks every arena under its lock, a few ms).
  if (!pool || trimming_.exchange(true)) return;
  boost::asio::post(*pool, [this] {
    ::malloc_trim(0);
    trimming_.store(false);
  });
#endif
}

void shared_state::close_all_sessions() {
  std::vector<std::function<void()>> closers;
  {
    std::lock_guard lock(sessions_mutex_);
    for (auto& [id, f] : session_closers_) closers.push_back(f);
  }
  for (auto& f : closers) f();  // outside the lock: each only posts to its session's strand
}

bool shared_state::admit(const std::string& ip) {
  if (cfg.max_connections_per_ip <= 0) return true;
  std::lock_guard lock(per_ip_mutex_);
  auto& n = per_ip_[ip];
  if (n >= cfg.max_connections_per_ip) {
    if (n == 0) per_ip_.erase(ip);
    return false;
  }
  ++n;
  return true;
}

void shared_state::release(const std::string& ip) {
  if (cfg.max_connections_per_ip <= 0) return;
  std::lock_guard lock(per_ip_mutex_);
  auto it = per_ip_.find(ip);
  if (it != per_ip_.end() && --it->second <= 0) per_ip_.erase(it);
}

void shared_state::note_outage(std::string_view source, std::string_view message) {
  stats.count_unavailable("gateway");
  if (auto line = outages_.record(source, message)) CHAT_LOG_WARN("gateway", "{}", *line);
}

}  // namespace chat::gateway
