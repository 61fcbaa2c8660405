#pragma once
// Latency samples and the figures one run reports.
#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace chat::bench {

/// Latency samples in microseconds; percentiles by selection (a run holds at most a few million).
class latencies {
 public:
  void add(std::int64_t us) { v_.push_back(us < 0 ? 0 : us); }
  std::size_t size() const { return v_.size(); }
  /// q in [0, 1]; milliseconds; 0 without samples.
  double ms(double q) {
    if (v_.empty()) return 0;
    auto i = static_cast<std::size_t>(q * static_cast<double>(v_.size() - 1));
    std::nth_element(v_.begin(), v_.begin() + static_cast<std::ptrdiff_t>(i), v_.end());
    return static_cast<double>(v_[i]) / 1000.0;
  }
  double max_ms() const {
    return v_.empty() ? 0 : static_cast<double>(*std::max_element(v_.begin(), v_.end())) / 1000.0;
  }

 private:
  std::vector<std::int64_t> v_;
};

/// One run of one scenario against one server: parameters and measured figures, in order.
struct run_result {
  std::string scenario, server;
  std::vector<std::pair<std::string, std::string>> params;
  std::vector<std::pair<std::string, double>> figures;
  std::string note;  ///< e.g. "incomplete: 3 connections closed"
  void param(std::string k, std::string v) { params.emplace_back(std::move(k), std::move(v)); }
  void param(std::string k, double v);
  void figure(std::string k, double v) { figures.emplace_back(std::move(k), v); }
  double get(const std::string& k) const;
  std::string json(const std::string& machine) const;
};

}  // namespace chat::bench
