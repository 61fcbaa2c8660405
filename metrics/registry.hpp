#pragma once
// The one metrics registry of chatd (prometheus-cpp core): every metric the actors and the
// gateway export, created once here with its name and help text. GET /metrics renders it.
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace chat::metrics {

/// Thread-safe: counters, gauges and histograms may be updated from any thread.
class registry {
 public:
  registry();
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;

  /// The Prometheus text exposition format (version 0.0.4).
  std::string render() const;

 private:
  std::shared_ptr<prometheus::Registry> reg_;  // first: every reference below points into it
  prometheus::Family<prometheus::Gauge>& live_actors_;
  prometheus::Family<prometheus::Counter>& ws_refused_;

 public:
  // Actors.
  prometheus::Gauge& connections;         ///< chatd_connections
  prometheus::Gauge& live_users;          ///< chatd_live_actors{kind="user"}
  prometheus::Gauge& live_conversations;  ///< chatd_live_actors{kind="conversation"}
  prometheus::Gauge& live_connections;    ///< chatd_live_actors{kind="connection"}
  prometheus::Counter& frames_in;         ///< chatd_frames_in_total
  prometheus::Counter& frames_out;        ///< chatd_frames_out_total
  prometheus::Histogram& log_batch_size;  ///< chatd_log_batch_size (events per commit)
  prometheus::Histogram& commit_seconds;  ///< chatd_log_commit_seconds
  prometheus::Gauge& commit_seconds_max;  ///< chatd_log_commit_seconds_max
  prometheus::Histogram& ack_seconds;     ///< chatd_ack_latency_seconds (send frame in -> ack out)
  prometheus::Counter& passivations;      ///< chatd_passivations_total
  prometheus::Counter& log_failures;      ///< chatd_log_append_failures_total
  prometheus::Gauge& search_lag_events;   ///< chatd_search_index_lag_events
  prometheus::Gauge& search_lag_seconds;  ///< chatd_search_index_lag_seconds
  prometheus::Counter& search_indexed;    ///< chatd_search_indexed_events_total
  // Gateway.
  prometheus::Counter& http_requests;       ///< chatd_http_requests_total
  prometheus::Gauge& ws_sessions;           ///< chatd_ws_sessions
  prometheus::Counter& ws_upgrades;         ///< chatd_ws_upgrades_total
  prometheus::Counter& ws_rejected_401;     ///< chatd_ws_refused_total{reason="http_401"}
  prometheus::Counter& ws_closed_4001;      ///< ...{reason="close_4001"}
  prometheus::Counter& ws_closed_4008;      ///< ...{reason="close_4008"}
  prometheus::Counter& ws_closed_1009;      ///< ...{reason="close_1009"}
  prometheus::Counter& ws_binary_refused;   ///< ...{reason="binary"}
  prometheus::Counter& ws_rejected_503;     ///< ...{reason="http_503"}: session not checkable
  prometheus::Counter& ws_rejected_origin;  ///< ...{reason="origin"}: Origin not allowed
  prometheus::Counter& ws_closed_1013;      ///< ...{reason="close_1013"}: hello token not checkable
  prometheus::Counter& refused_per_ip;      ///< chatd_connections_refused_per_ip_total
  prometheus::Counter& accept_errors;       ///< chatd_accept_errors_total
  prometheus::Counter& ws_throttled;        ///< chatd_ws_throttled_total (reads paused: backlog)

  /// One log-writer commit of `events` events that took `took`.
  void observe_commit(std::size_t events, std::chrono::microseconds took);
  /// One protocol error frame sent (chatd_errors_total{code=...}).
  void count_error(std::string_view code);
  /// The error counts so far, by code, for codes sent at least once.
  std::vector<std::pair<std::string, std::int64_t>> errors_by_code() const;
  /// One answer `unavailable` (HTTP 503, close 1013, error frame) because a dependency did not
  /// answer, by the part that noticed: chatd_unavailable_total{source=...}.
  void count_unavailable(std::string_view source);
  /// The unavailable counts so far, by source.
  std::vector<std::pair<std::string, std::int64_t>> unavailable_by_source() const;
  /// Sum and count of a histogram (for server::snapshot()).
  static std::pair<double, std::uint64_t> sum_count(const prometheus::Histogram& h);
  /// A histogram's cumulative bucket counts now (chatctl's windowed percentiles).
  static std::vector<std::uint64_t> bucket_counts(const prometheus::Histogram& h);
  /// The q-quantile (0..1), in seconds, of what `h` observed between the snapshots `before` and
  /// `after` of bucket_counts(): the upper bound of the bucket holding it (the last finite bound
  /// for the +Inf bucket); 0 when nothing was observed.
  static double quantile(const prometheus::Histogram& h, const std::vector<std::uint64_t>& before,
                         const std::vector<std::uint64_t>& after, double q);

 private:
  using labelled = std::map<std::string, prometheus::Counter*, std::less<>>;
  void count(prometheus::Family<prometheus::Counter>& family, labelled& by, const char* label,
             std::string_view value);
  std::vector<std::pair<std::string, std::int64_t>> counts(const labelled& by) const;

  prometheus::Family<prometheus::Counter>& errors_;
  prometheus::Family<prometheus::Counter>& unavailable_;
  mutable std::mutex mu_;  // guards the three below
  labelled error_counters_;
  labelled unavailable_counters_;
  double commit_max_s_ = 0;
};

}  // namespace chat::metrics
