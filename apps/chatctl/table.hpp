#pragma once
// Plain-text tables and values for chatctl's human output.
#include <cstdint>
#include <string>
#include <vector>

#include "admin/wire.hpp"

namespace chat::chatctl {

class table {
 public:
  explicit table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  /// Columns padded to their widest cell; numbers are not treated specially.
  std::string render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

/// "2026-12-01 10:02:03.456" (UTC) from unix milliseconds; "-" for 0.
std::string format_time_ms(std::int64_t ms);
/// "3d 4h", "5m 12s", "850ms" from milliseconds.
std::string format_duration_ms(double ms);
/// "12.3 KiB" from bytes.
std::string format_bytes(double bytes);
/// A JSON scalar as text ("-" for null/missing), strings without quotes.
std::string text(const admin::json& j);
/// At most `n` characters (UTF-8 aware enough: cuts at a code point), newlines shown as "⏎".
std::string shorten(const std::string& s, std::size_t n);

}  // namespace chat::chatctl
