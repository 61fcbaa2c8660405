// Group-commit benchmark: durable appends per second to the event log for batches of 1, 10, 100
// and 1000 events (one transaction per batch), on SQLite and on MariaDB/MySQL.
//
//   group_commit_bench [--seconds S] [--sqlite-dir DIR]
// MySQL: CHAT_TEST_MYSQL_URL=mysql://user:pass@host:port/db (a scratch database is created and
// dropped next to it). Without it the MySQL rows are skipped.
#include <fmt/format.h>
#include <soci/soci.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "persistence/database.hpp"
#include "persistence/event_store.hpp"
#include "persistence/migrations.hpp"

using namespace chat::persistence;
namespace fs = std::filesystem;

namespace {

std::string random_hex(size_t n) {
  static std::mt19937_64 rng{std::random_device{}()};
  std::string out;
  for (size_t i = 0; i < n; ++i) out += "0123456789abcdef"[rng() % 16];
  return out;
}

struct row {
  std::string backend;
  int batch = 0;
  long events = 0;
  double seconds = 0;
  double p50_ms = 0, p99_ms = 0;
};

// Appends batches to one conversation until `seconds` pass; every event carries a client_msg_id so
// the unique key is maintained as in production.
row run(database& db, const std::string& name, int batch_size, double seconds) {
  event_store log(db);
  conversation_id conv = 1000 + batch_size;
  seq_t next = 1;
  std::string payload(120, 'x');  // a typical short chat message with its JSON envelope
  std::vector<event> batch(batch_size);
  std::vector<double> latencies;
  long events = 0;
  auto start = std::chrono::steady_clock::now();
  auto deadline = start + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline || latencies.size() < 3) {
    for (auto& e : batch) {
      e.conversation = conv;
      e.seq = next++;
      e.event_id = random_hex(32);
      e.type = "message";
      e.sender = 1 + e.seq % 7;
      e.client_msg_id = fmt::format("c-{}", e.seq);
      e.payload = payload;
      e.created_at_ms = 1'700'000'000'000 + e.seq;
    }
    auto t0 = std::chrono::steady_clock::now();
    auto st = log.append(batch);
    auto t1 = std::chrono::steady_clock::now();
    if (!st) {
      fmt::print(stderr, "{}: append failed: {}\n", name, st.err().message);
      std::exit(1);
    }
    latencies.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
    events += batch_size;
  }
  auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::sort(latencies.begin(), latencies.end());
  row r;
  r.backend = name;
  r.batch = batch_size;
  r.events = events;
  r.seconds = elapsed;
  r.p50_ms = latencies[latencies.size() / 2];
  r.p99_ms = latencies[std::min(latencies.size() - 1, latencies.size() * 99 / 100)];
  return r;
}

std::unique_ptr<database> open_or_die(const std::string& url) {
  auto db = database::open(url);
  if (!db) {
    fmt::print(stderr, "cannot open {}: {}\n", url.substr(0, url.find(':')), db.err().message);
    std::exit(1);
  }
  auto m = migrate_embedded(**db);
  if (!m) {
    fmt::print(stderr, "migrations failed: {}\n", m.err().message);
    std::exit(1);
  }
  return std::move(*db);
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 3;
  std::string sqlite_dir = ".";
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--seconds" && i + 1 < argc)
      seconds = std::atof(argv[++i]);
    else if (arg == "--sqlite-dir" && i + 1 < argc)
      sqlite_dir = argv[++i];
    else {
      fmt::print(stderr, "usage: {} [--seconds S] [--sqlite-dir DIR]\n", argv[0]);
      return 2;
    }
  }
  const int sizes[] = {1, 10, 100, 1000};
  std::vector<row> rows;

  {
    auto path = (fs::path(sqlite_dir) / ("group_commit_bench_" + random_hex(8) + ".db")).string();
    {
      auto db = open_or_die("sqlite:" + path);
      for (int n : sizes) rows.push_back(run(*db, "SQLite (WAL, synchronous=FULL)", n, seconds));
    }
    for (const char* suffix : {"", "-wal", "-shm"}) fs::remove(path + suffix);
  }

  if (const char* base = std::getenv("CHAT_TEST_MYSQL_URL"); base && *base) {
    auto admin = database::open(base);
    if (!admin) {
      fmt::print(stderr, "mysql: {}\n", admin.err().message);
      return 1;
    }
    std::string version;
    (*admin)->sql() << "SELECT VERSION()", soci::into(version);
    auto cfg = (*admin)->config();
    std::string dbname = "chat_bench_" + random_hex(8);
    (*admin)->sql() << fmt::format("CREATE DATABASE {} CHARACTER SET utf8mb4 COLLATE utf8mb4_bin",
                                   dbname);
    {
      auto db = open_or_die(fmt::format("mysql://{}:{}@{}:{}/{}", cfg.user, cfg.password, cfg.host,
                                        cfg.port, dbname));
      for (int n : sizes) rows.push_back(run(*db, "MariaDB " + version, n, seconds));
    }
    (*admin)->sql() << fmt::format("DROP DATABASE {}", dbname);
  } else {
    fmt::print(stderr, "CHAT_TEST_MYSQL_URL unset: MySQL rows skipped\n");
  }

  fmt::print(
      "| backend | batch | events | appends/s | batches/s | p50 commit ms | p99 commit ms |\n");
  fmt::print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (const auto& r : rows)
    fmt::print("| {} | {} | {} | {:.0f} | {:.0f} | {:.2f} | {:.2f} |\n", r.backend, r.batch,
               r.events, r.events / r.seconds, r.events / r.seconds / r.batch, r.p50_ms, r.p99_ms);
  return 0;
}
