#include "metrics/registry.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;

namespace {
bool has(const std::string& text, const std::string& piece) {
  return text.find(piece) != std::string::npos;
}
}  // namespace

TEST_CASE("The registry renders every metric under its documented name", "[metrics]") {
  chat::metrics::registry r;
  r.connections.Increment(3);
  r.live_users.Increment(2);
  r.live_conversations.Increment(5);
  r.ws_sessions.Increment(4);
  r.frames_in.Increment(7);
  r.ws_closed_4008.Increment();
  auto text = r.render();
  INFO(text);
  CHECK(has(text, "# TYPE chatd_connections gauge\nchatd_connections 3\n"));
  CHECK(has(text, "chatd_live_actors{kind=\"conversation\"} 5\n"));
  CHECK(has(text, "chatd_live_actors{kind=\"user\"} 2\n"));
  CHECK(has(text, "# TYPE chatd_frames_in_total counter\nchatd_frames_in_total 7\n"));
  CHECK(has(text, "chatd_ws_sessions 4\n"));
  CHECK(has(text, "chatd_ws_refused_total{reason=\"close_4008\"} 1\n"));
  CHECK(has(text, "chatd_ws_refused_total{reason=\"http_401\"} 0\n"));
  for (const char* reason : {"http_503", "origin", "close_1013"})
    CHECK(has(text, std::string("chatd_ws_refused_total{reason=\"") + reason + "\"} 0\n"));
  CHECK(has(text, "chatd_connections_refused_per_ip_total 0\n"));
  CHECK(has(text, "chatd_accept_errors_total 0\n"));
  for (const char* name :
       {"chatd_frames_out_total", "chatd_passivations_total", "chatd_http_requests_total",
        "chatd_ws_upgrades_total", "chatd_log_commit_seconds_max", "chatd_ack_latency_seconds"})
    CHECK(has(text, name));
  CHECK(text.back() == '\n');
}

TEST_CASE("Commits feed the batch-size and latency histograms and the max", "[metrics]") {
  chat::metrics::registry r;
  r.observe_commit(10, 1500us);
  r.observe_commit(30, 500us);
  auto [events, batches] = chat::metrics::registry::sum_count(r.log_batch_size);
  CHECK(events == 40);
  CHECK(batches == 2);
  CHECK(chat::metrics::registry::sum_count(r.commit_seconds).first == Approx(0.002));
  CHECK(r.commit_seconds_max.Value() == Approx(0.0015));
  auto text = r.render();
  INFO(text);
  CHECK(has(text, "# TYPE chatd_log_commit_seconds histogram\n"));
  CHECK(has(text, "chatd_log_batch_size_sum 40\n"));
  CHECK(has(text, "chatd_log_batch_size_count 2\n"));
  CHECK(has(text, "chatd_log_commit_seconds_bucket{le=\"0.001\"} 1\n"));
  CHECK(has(text, "chatd_log_commit_seconds_bucket{le=\"0.0025\"} 2\n"));
}

TEST_CASE("Error frames are counted by code, with label values escaped", "[metrics]") {
  chat::metrics::registry r;
  r.count_error("bad_json");
  r.count_error("bad_json");
  r.count_error("we\"ird");
  auto by_code = r.errors_by_code();
  REQUIRE(by_code.size() == 2);
  CHECK(by_code[0] == std::pair<std::string, std::int64_t>{"bad_json", 2});
  auto text = r.render();
  CHECK(has(text, "chatd_errors_total{code=\"bad_json\"} 2\n"));
  CHECK(has(text, "chatd_errors_total{code=\"we\\\"ird\"} 1\n"));
}

TEST_CASE("Ack latencies land in the histogram's buckets", "[metrics]") {
  chat::metrics::registry r;
  r.ack_seconds.Observe(0.0004);
  r.ack_seconds.Observe(0.2);
  auto text = r.render();
  INFO(text);
  CHECK(has(text, "chatd_ack_latency_seconds_count 2\n"));
  CHECK(has(text, "chatd_ack_latency_seconds_bucket{le=\"0.0005\"} 1\n"));
  CHECK(has(text, "chatd_ack_latency_seconds_bucket{le=\"0.25\"} 2\n"));
}

TEST_CASE("Unavailable answers are counted by the part that noticed", "[metrics]") {
  chat::metrics::registry r;
  r.count_unavailable("auth");
  r.count_unavailable("gateway");
  r.count_unavailable("auth");
  auto by_source = r.unavailable_by_source();
  REQUIRE(by_source.size() == 2);
  CHECK(by_source[0] == std::pair<std::string, std::int64_t>{"auth", 2});
  CHECK(by_source[1] == std::pair<std::string, std::int64_t>{"gateway", 1});
  auto text = r.render();
  CHECK(has(text, "# TYPE chatd_unavailable_total counter\n"));
  CHECK(has(text, "chatd_unavailable_total{source=\"auth\"} 2\n"));
}
