#include "apps/chatctl/table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

namespace chat::chatctl {

namespace {

/// Display width: code points, not bytes (good enough for names and short texts).
std::size_t width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

}  // namespace

std::string table::render() const {
  std::vector<std::size_t> w(headers_.size());
  for (std::size_t i = 0; i < headers_.size(); ++i) w[i] = width(headers_[i]);
  for (const auto& r : rows_)
    for (std::size_t i = 0; i < r.size() && i < w.size(); ++i) w[i] = std::max(w[i], width(r[i]));
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (std::size_t i = 0; i < w.size(); ++i) {
      const std::string& c = i < cells.size() ? cells[i] : std::string();
      l += c;
      if (i + 1 < w.size()) l += std::string(w[i] - width(c) + 2, ' ');
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + "\n";
  };
  line(headers_);
  for (const auto& r : rows_) line(r);
  return out;
}

std::string format_time_ms(std::int64_t ms) {
  if (ms == 0) return "-";
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return fmt::format("{}.{:03}", buf, ms % 1000);
}

std::string format_duration_ms(double ms) {
  if (ms < 1000) return fmt::format("{:.0f}ms", ms);
  auto s = static_cast<long long>(ms / 1000);
  if (s < 60) return fmt::format("{:.1f}s", ms / 1000);
  if (s < 3600) return fmt::format("{}m {}s", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h {}m", s / 3600, s % 3600 / 60);
  return fmt::format("{}d {}h", s / 86400, s % 86400 / 3600);
}

std::string format_bytes(double b) {
  if (b < 1024) return fmt::format("{:.0f} B", b);
  if (b < 1024 * 1024) return fmt::format("{:.1f} KiB", b / 1024);
  if (b < 1024.0 * 1024 * 1024) return fmt::format("{:.1f} MiB", b / (1024 * 1024));
  return fmt::format("{:.1f} GiB", b / (1024.0 * 1024 * 1024));
}

std::string text(const admin::json& j) {
  if (j.is_null()) return "-";
  if (j.is_string()) return j.get<std::string>();
  if (j.is_boolean()) return j.get<bool>() ? "yes" : "no";
  if (j.is_number_float()) return fmt::format("{:.2f}", j.get<double>());
  return admin::dump(j);
}

std::string shorten(const std::string& s, std::size_t n) {
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    bool start = (c & 0xC0) != 0x80;
    if (start && ++chars > n) {
      out += "…";
      return out;
    }
    if (c == '\n')
      out += "⏎";
    else if (c == '\t' || c == '\r')
      out += ' ';
    else
      out.push_back(s[i]);
  }
  return out;
}

}  // namespace chat::chatctl
