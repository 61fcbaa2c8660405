#pragma once
// The chat-bench scenarios. Each starts its server, sets up accounts (chatd), runs to a fixed
// end by itself and returns its figures.
#include <string>

#include "bench/chat/stats.hpp"
#include "bench/chat/target.hpp"

namespace chat::bench {

struct scenario_options {
  target_config target;
  double seconds = 10;     ///< measured part of timed scenarios
  int members = 100;       ///< fan-out: connections in the room
  int senders = 10;        ///< fan-out, durable: sending connections
  double rate = 20000;     ///< fan-out: offered deliveries/s; dm: round trips/s; day: actions/s
  int body_bytes = 64;     ///< message body size
  int connections = 2000;  ///< storm
  int concurrency = 200;   ///< storm: handshakes in flight
  int window = 32;         ///< durable: unacknowledged sends per sender
  int missed = 10000;      ///< sync: messages sent while the reader was away
  int users = 200;         ///< day
  int pairs = 1;           ///< dm
  int messages = 1000;     ///< burst: messages sent at once into the room
};

run_result run_fanout(server_kind kind, const scenario_options& o);
/// All of `messages` sent at once into a room of `members` (spread over `senders`): every member
/// gets every message once, nobody is closed, and how long until the last arrives.
run_result run_burst(server_kind kind, const scenario_options& o);
run_result run_storm(server_kind kind, const scenario_options& o);
run_result run_durable(const scenario_options& o);  ///< chatd only (the references persist nothing)
run_result run_dm(server_kind kind, const scenario_options& o);
run_result run_sync(const scenario_options& o);  ///< chatd only (no history in the references)
run_result run_day(const scenario_options& o);   ///< chatd only (needs conversations)

}  // namespace chat::bench
