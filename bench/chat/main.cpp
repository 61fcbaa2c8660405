// chat-bench: load scenarios over real loopback WebSockets against chatd (the real protocol) and,
// for comparison in the same run, two reference broadcast rooms (Node `ws`, Boost.Beast's
// chat-multi). Every scenario is one command that stops by itself; each run prints a table row
// and one JSON line (also appended to OUT/results.jsonl); fan-out also plots latency percentiles
// against offered rate, one line per server (OUT/fanout-latency.png, gnuplot). bench/README.md.
#include <sched.h>
#include <sys/resource.h>
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "bench/chat/scenarios.hpp"

using namespace chat::bench;
namespace fs = std::filesystem;

namespace {

// Room for many sockets: soft limit to the hard one, and (as root) the hard one up too.
void raise_fd_limit(rlim_t want) {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return;
  if (lim.rlim_max < want) {
    rlimit up{want, want};
    if (setrlimit(RLIMIT_NOFILE, &up) == 0) return;
  }
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
}

std::string machine_json() {
  double load[3] = {0, 0, 0};
  getloadavg(load, 3);
  std::string model;
  std::ifstream cpu("/proc/cpuinfo");
  for (std::string line; std::getline(cpu, line);)
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "{\"cpus\":%u,\"model\":\"%s\",\"load1\":%.2f,\"load5\":%.2f,\"load15\":%.2f}",
                std::thread::hardware_concurrency(), model.c_str(), load[0], load[1], load[2]);
  return buf;
}

void print_row(const run_result& r) {
  double load = 0;
  getloadavg(&load, 1);
  std::printf("%-9s %-11s", r.scenario.c_str(), r.server.c_str());
  for (auto& [k, v] : r.params)
    if (k != "server_threads") std::printf(" %s=%s", k.c_str(), v.c_str());
  std::printf("  load %.1f\n   ", load);
  for (auto& [k, v] : r.figures) std::printf(" %s=%.4g", k.c_str(), v);
  if (!r.note.empty()) std::printf("  [%s]", r.note.c_str());
  std::printf("\n");
  std::fflush(stdout);
}

// p50/p99 against offered rate, one line per server (median over repetitions).
void plot_fanout(const std::vector<run_result>& runs, const fs::path& out) {
  std::map<std::string, std::map<double, std::vector<std::pair<double, double>>>> by;
  for (auto& r : runs) {
    double rate = 0;
    for (auto& [k, v] : r.params)
      if (k == "offered_deliveries_per_s") rate = std::stod(v);
    by[r.server][rate].push_back({r.get("p50_ms"), r.get("p99_ms")});
  }
  auto dat = out / "fanout-latency.dat";
  std::ofstream f(dat);
  std::string plots;
  int index = 0;
  for (auto& [server, rates] : by) {
    f << "# " << server << "\n";
    for (auto& [rate, v] : rates) {
      auto mid = v;
      std::sort(mid.begin(), mid.end());
      f << rate << " " << mid[mid.size() / 2].first << " " << mid[mid.size() / 2].second << "\n";
    }
    f << "\n\n";
    std::string sep = plots.empty() ? "" : ", ";
    plots += sep + "'" + dat.string() + "' index " + std::to_string(index) +
             " using 1:3 with linespoints title '" + server + " p99', '" + dat.string() +
             "' index " + std::to_string(index) + " using 1:2 with linespoints dt 2 title '" +
             server + " p50'";
    ++index;
  }
  f.close();
  auto png = out / "fanout-latency.png";
  std::ofstream g(out / "fanout-latency.gp");
  g << "set terminal png size 900,600\nset output '" << png.string() << "'\n"
    << "set title 'chat-bench fan-out: publish->deliver latency'\n"
    << "set xlabel 'offered deliveries/s'\nset ylabel 'latency (ms)'\nset logscale y\n"
    << "set key left top\nset grid\nplot " << plots << "\n";
  g.close();
  auto cmd = "gnuplot '" + (out / "fanout-latency.gp").string() + "'";
  if (std::system(cmd.c_str()) == 0)
    std::printf("plot: %s\n", png.c_str());
  else
    std::printf("plot: gnuplot failed (install gnuplot-nox); data in %s\n", dat.c_str());
}

std::vector<double> parse_list(const std::string& s) {
  std::vector<double> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(std::stod(item));
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"chat-bench: chatd and reference servers under the same load"};
  std::string scenario, servers = "chatd", rates, out_dir = "bench-results";
  int repeat = 1;
  bool smoke = false;
  scenario_options o;
  o.target.chatd_binary = CHATD_BINARY;
  o.target.source_dir = CHAT_SOURCE_DIR;
  app.add_option("scenario", scenario, "fanout | burst | storm | durable | dm | sync | day")
      ->required()
      ->check(CLI::IsMember({"fanout", "burst", "storm", "durable", "dm", "sync", "day"}));
  app.add_option("--servers", servers, "comma list of chatd, node, beast (interleaved per run)");
  app.add_option("--rates", rates, "fanout: comma list of offered deliveries/s (one run each)");
  app.add_option("--rate", o.rate,
                 "offered rate: deliveries/s (fanout), round trips/s (dm), "
                 "actions/s (day)");
  app.add_option("--seconds", o.seconds, "measured seconds of timed scenarios");
  app.add_option("--members", o.members, "fanout, burst: connections in the room");
  app.add_option("--senders", o.senders, "fanout, burst, durable: sending connections");
  app.add_option("--messages", o.messages, "burst: messages sent at once into the room");
  app.add_option("--body-bytes", o.body_bytes, "message body size");
  app.add_option("--connections", o.connections, "storm: connections");
  app.add_option("--concurrency", o.concurrency, "storm: handshakes in flight");
  app.add_option("--window", o.window, "durable: unacknowledged sends per sender");
  app.add_option("--missed", o.missed, "sync: messages sent while the reader is away");
  app.add_option("--users", o.users, "day: users");
  app.add_option("--pairs", o.pairs, "dm: pairs");
  app.add_option("--repeat", repeat, "repetitions (servers and rates interleaved)");
  app.add_option("--server-threads", o.target.server_threads, "server I/O threads");
  app.add_option("--db", o.target.db, "chatd database URL (default: a fresh SQLite file)");
  app.add_option("--chatd", o.target.chatd_binary, "chatd binary");
  app.add_option("--chatd-arg", o.target.chatd_args, "extra chatd flag (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--perf", o.target.perf_dir,
                 "record the server's measured part with `perf record -g` into this folder");
  app.add_option("--perf-call-graph", o.target.perf_call_graph,
                 "--perf's call graphs: fp (frame pointers) or dwarf (through SQLite, libc)")
      ->check(CLI::IsMember({"fp", "dwarf"}));
  app.add_option("--out", out_dir, "results folder (results.jsonl, plots, server logs)");
  app.add_flag("--smoke", smoke, "seconds-long form (CI): tiny counts and rates");
  bool pin = true;
  app.add_flag("--pin,!--no-pin", pin,
               "server on CPU 0, this client on CPU 1 (when there are two or more)");
  CLI11_PARSE(app, argc, argv);
  if (pin && std::thread::hardware_concurrency() >= 2) {
    o.target.server_cpu = 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(1, &set);
    ::sched_setaffinity(0, sizeof set, &set);
  }

  if (smoke) {
    o.seconds = 1;
    o.members = 10;
    o.senders = 3;
    o.rate = scenario == "fanout" ? 500 : scenario == "day" ? 50 : 50;
    o.connections = 40;
    o.concurrency = 20;
    o.missed = 300;
    o.messages = 100;
    o.users = 12;
    if (rates.empty() && scenario == "fanout") rates = "200,500";
  }
  raise_fd_limit(200000);
  fs::create_directories(out_dir);
  o.target.work_dir = fs::absolute(out_dir) / "work";
  std::vector<server_kind> kinds;
  try {
    std::stringstream in(servers);
    for (std::string s; std::getline(in, s, ',');) kinds.push_back(parse_kind(s));
    bool chat_only = scenario == "durable" || scenario == "sync" || scenario == "day";
    if (chat_only && (kinds.size() != 1 || kinds[0] != server_kind::chatd)) {
      std::fprintf(stderr,
                   "chat-bench: %s runs against chatd only (the references persist "
                   "nothing and have no conversations)\n",
                   scenario.c_str());
      kinds = {server_kind::chatd};
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chat-bench: %s\n", e.what());
    return 2;
  }
  auto rate_list = rates.empty() ? std::vector<double>{o.rate} : parse_list(rates);
  std::ofstream jsonl(fs::path(out_dir) / "results.jsonl", std::ios::app);
  std::vector<run_result> runs;
  int failures = 0;
  for (int rep = 0; rep < repeat; ++rep) {
    for (double rate : rate_list) {
      for (auto kind : kinds) {
        auto opts = o;
        opts.rate = rate;
        try {
          run_result r;
          if (scenario == "fanout") r = run_fanout(kind, opts);
          if (scenario == "burst") r = run_burst(kind, opts);
          if (scenario == "storm") r = run_storm(kind, opts);
          if (scenario == "durable") r = run_durable(opts);
          if (scenario == "dm") r = run_dm(kind, opts);
          if (scenario == "sync") r = run_sync(opts);
          if (scenario == "day") r = run_day(opts);
          r.param("repetition", rep + 1);
          print_row(r);
          auto line = r.json(machine_json());
          std::printf("%s\n", line.c_str());
          jsonl << line << "\n";
          jsonl.flush();
          runs.push_back(std::move(r));
        } catch (const std::exception& e) {
          std::fprintf(stderr, "chat-bench: %s %s failed: %s\n", scenario.c_str(), name_of(kind),
                       e.what());
          ++failures;
        }
      }
    }
  }
  if (scenario == "fanout" && !runs.empty()) plot_fanout(runs, out_dir);
  return failures == 0 ? 0 : 1;
}
