#include "metrics/registry.hpp"

#include <prometheus/text_serializer.h>

#include <cmath>

namespace chat::metrics {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;
using buckets = prometheus::Histogram::BucketBoundaries;

// Latencies from 0.5 ms to 10 s: a commit on a quiet SQLite is ~1 ms, a loaded MariaDB ~30 ms.
const buckets latency_buckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                              0.1,    0.25,  0.5,    1,     2.5,  5,     10};
// Events per commit: group commit batches up to max_batch (512 by default).
const buckets batch_buckets{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};

prometheus::Family<prometheus::Gauge>& gauge_family(prometheus::Registry& r, const char* name,
                                                    const char* help) {
  return BuildGauge().Name(name).Help(help).Register(r);
}

prometheus::Counter& counter(prometheus::Registry& r, const char* name, const char* help) {
  return BuildCounter().Name(name).Help(help).Register(r).Add({});
}

prometheus::Histogram& histogram(prometheus::Registry& r, const char* name, const char* help,
                                 const buckets& b) {
  return BuildHistogram().Name(name).Help(help).Register(r).Add({}, b);
}

prometheus::Family<prometheus::Counter>& refused(prometheus::Registry& r) {
  return BuildCounter()
      .Name("chatd_ws_refused_total")
      .Help("WebSocket upgrades or sessions ended by the gateway, by reason.")
      .Register(r);
}

}  // namespace

registry::registry()
    : reg_(std::make_shared<prometheus::Registry>()),
      live_actors_(gauge_family(*reg_, "chatd_live_actors", "Live actors by kind.")),
      ws_refused_(refused(*reg_)),
      connections(gauge_family(*reg_, "chatd_connections",
                               "Authenticated WebSocket connections (connection actors).")
                      .Add({})),
      live_users(live_actors_.Add({{"kind", "user"}})),
      live_conversations(live_actors_.Add({{"kind", "conversation"}})),
      live_connections(live_actors_.Add({{"kind", "connection"}})),
      frames_in(counter(*reg_, "chatd_frames_in_total", "WebSocket frames received from clients.")),
      frames_out(counter(*reg_, "chatd_frames_out_total", "WebSocket frames queued to clients.")),
      log_batch_size(histogram(*reg_, "chatd_log_batch_size",
                               "Events per log-writer commit (group commit).", batch_buckets)),
      commit_seconds(histogram(*reg_, "chatd_log_commit_seconds", "Log-writer commit latency.",
                               latency_buckets)),
      commit_seconds_max(
          gauge_family(*reg_, "chatd_log_commit_seconds_max", "Slowest log-writer commit so far.")
              .Add({})),
      ack_seconds(histogram(*reg_, "chatd_ack_latency_seconds",
                            "From a send_message frame read to its ack queued (durable).",
                            latency_buckets)),
      passivations(counter(*reg_, "chatd_passivations_total", "Idle actors passivated.")),
      log_failures(counter(*reg_, "chatd_log_append_failures_total",
                           "Appends the log writer answered with a failure.")),
      search_lag_events(gauge_family(*reg_, "chatd_search_index_lag_events",
                                     "Seqs committed to the log but not yet in the search index.")
                            .Add({})),
      search_lag_seconds(
          gauge_family(*reg_, "chatd_search_index_lag_seconds",
                       "How long the oldest commit not yet in the search index has waited.")
              .Add({})),
      search_indexed(counter(*reg_, "chatd_search_indexed_events_total",
                             "Message, edit and delete events the search indexer indexed.")),
      http_requests(
          counter(*reg_, "chatd_http_requests_total", "HTTP requests read (upgrades included).")),
      ws_sessions(gauge_family(*reg_, "chatd_ws_sessions",
                               "Open WebSocket sessions (authenticated or not yet).")
                      .Add({})),
      ws_upgrades(counter(*reg_, "chatd_ws_upgrades_total", "WebSocket upgrades accepted.")),
      ws_rejected_401(ws_refused_.Add({{"reason", "http_401"}})),
      ws_closed_4001(ws_refused_.Add({{"reason", "close_4001"}})),
      ws_closed_4008(ws_refused_.Add({{"reason", "close_4008"}})),
      ws_closed_1009(ws_refused_.Add({{"reason", "close_1009"}})),
      ws_binary_refused(ws_refused_.Add({{"reason", "binary"}})),
      ws_rejected_503(ws_refused_.Add({{"reason", "http_503"}})),
      ws_rejected_origin(ws_refused_.Add({{"reason", "origin"}})),
      ws_closed_1013(ws_refused_.Add({{"reason", "close_1013"}})),
      refused_per_ip(counter(*reg_, "chatd_connections_refused_per_ip_total",
                             "Connections closed at accept: their address was at "
                             "--max-connections-per-ip.")),
      accept_errors(counter(*reg_, "chatd_accept_errors_total",
                            "Failed accepts (out of descriptors and friends pause accepting with "
                            "backoff).")),
      ws_throttled(
          counter(*reg_, "chatd_ws_throttled_total",
                  "Times a WebSocket paused reading: the client had too much unread data.")),
      errors_(BuildCounter()
                  .Name("chatd_errors_total")
                  .Help("Protocol error frames sent, by code.")
                  .Register(*reg_)),
      unavailable_(BuildCounter()
                       .Name("chatd_unavailable_total")
                       .Help("Answers 'unavailable' (a dependency did not answer), by the part "
                             "that noticed.")
                       .Register(*reg_)) {}

std::string registry::render() const {
  return prometheus::TextSerializer().Serialize(reg_->Collect());
}

void registry::observe_commit(std::size_t events, std::chrono::microseconds took) {
  const double s = static_cast<double>(took.count()) / 1e6;
  log_batch_size.Observe(static_cast<double>(events));
  commit_seconds.Observe(s);
  std::lock_guard lock(mu_);
  if (s > commit_max_s_) {
    commit_max_s_ = s;
    commit_seconds_max.Set(s);
  }
}

void registry::count(prometheus::Family<prometheus::Counter>& family, labelled& by,
                     const char* label, std::string_view value) {
  std::lock_guard lock(mu_);
  auto it = by.find(value);
  if (it == by.end())
    it = by.emplace(std::string(value), &family.Add({{label, std::string(value)}})).first;
  it->second->Increment();
}

std::vector<std::pair<std::string, std::int64_t>> registry::counts(const labelled& by) const {
  std::lock_guard lock(mu_);
  std::vector<std::pair<std::string, std::int64_t>> out;
  for (const auto& [value, c] : by) out.emplace_back(value, static_cast<std::int64_t>(c->Value()));
  return out;
}

void registry::count_error(std::string_view code) {
  count(errors_, error_counters_, "code", code);
}

std::vector<std::pair<std::string, std::int64_t>> registry::errors_by_code() const {
  return counts(error_counters_);
}

void registry::count_unavailable(std::string_view source) {
  count(unavailable_, unavailable_counters_, "source", source);
}

std::vector<std::pair<std::string, std::int64_t>> registry::unavailable_by_source() const {
  return counts(unavailable_counters_);
}

std::pair<double, std::uint64_t> registry::sum_count(const prometheus::Histogram& h) {
  auto m = h.Collect();
  return {m.histogram.sample_sum, m.histogram.sample_count};
}

std::vector<std::uint64_t> registry::bucket_counts(const prometheus::Histogram& h) {
  auto m = h.Collect();
  std::vector<std::uint64_t> out;
  out.reserve(m.histogram.bucket.size());
  for (const auto& b : m.histogram.bucket) out.push_back(b.cumulative_count);
  return out;
}

double registry::quantile(const prometheus::Histogram& h, const std::vector<std::uint64_t>& before,
                          const std::vector<std::uint64_t>& after, double q) {
  auto m = h.Collect();
  const auto& buckets = m.histogram.bucket;
  auto at = [](const std::vector<std::uint64_t>& v, std::size_t i) -> std::uint64_t {
    return i < v.size() ? v[i] : 0;
  };
  if (buckets.empty() || after.size() != buckets.size()) return 0;
  const std::size_t last = buckets.size() - 1;
  const std::uint64_t total = at(after, last) - at(before, last);
  if (total == 0) return 0;
  auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(total)));
  if (rank < 1) rank = 1;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    if (at(after, i) - at(before, i) < rank) continue;
    if (i == last && i > 0) return buckets[i - 1].upper_bound;  // +Inf: the last finite bound
    return buckets[i].upper_bound;
  }
  return last > 0 ? buckets[last - 1].upper_bound : 0;
}

}  // namespace chat::metrics
