#include <catch2/catch.hpp>

#include "gateway/metrics_text.hpp"

TEST_CASE("Metrics render in the Prometheus text format", "[gateway]") {
  chat::actors::metrics m;
  m.connections = 3;
  m.live_users = 2;
  m.live_conversations = 5;
  m.log_batches = 4;
  m.log_events = 10;
  m.log_commit_us_total = 1500;
  m.errors_by_code = {{"bad_json", 7}, {"we\"ird", 1}};
  chat::gateway::counters c;
  c.ws_sessions = 4;
  auto text = chat::gateway::render_metrics(m, c);
  CHECK(text.find("# TYPE chatd_connections gauge\nchatd_connections 3\n") != std::string::npos);
  CHECK(text.find("chatd_live_actors{kind=\"conversation\"} 5\n") != std::string::npos);
  CHECK(text.find("chatd_log_batch_size_sum 10\nchatd_log_batch_size_count 4\n") !=
        std::string::npos);
  CHECK(text.find("chatd_log_commit_seconds_sum 0.001500\n") != std::string::npos);
  CHECK(text.find("chatd_errors_total{code=\"bad_json\"} 7\n") != std::string::npos);
  CHECK(text.find("chatd_errors_total{code=\"we\\\"ird\"} 1\n") != std::string::npos);
  CHECK(text.find("chatd_ws_sessions 4\n") != std::string::npos);
  CHECK(text.back() == '\n');
}
