#include "bench/chat/stats.hpp"

#include <cmath>
#include <cstdio>

namespace chat::bench {
namespace {
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (static_cast<unsigned char>(c) < 0x20) continue;
    out += c;
  }
  return out + "\"";
}
std::string number(double v) {
  if (!std::isfinite(v)) return "null";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
}  // namespace

void run_result::param(std::string k, double v) {
  params.emplace_back(std::move(k), number(v));
}

double run_result::get(const std::string& k) const {
  for (auto& [name, v] : figures)
    if (name == k) return v;
  return NAN;
}

std::string run_result::json(const std::string& machine) const {
  std::string s = "{\"scenario\":" + quoted(scenario) + ",\"server\":" + quoted(server) +
                  ",\"machine\":" + machine + ",\"params\":{";
  for (std::size_t i = 0; i < params.size(); ++i)
    s += (i ? "," : "") + quoted(params[i].first) + ":" + quoted(params[i].second);
  s += "},\"figures\":{";
  for (std::size_t i = 0; i < figures.size(); ++i)
    s += (i ? "," : "") + quoted(figures[i].first) + ":" + number(figures[i].second);
  s += "},\"note\":" + quoted(note) + "}";
  return s;
}

}  // namespace chat::bench
