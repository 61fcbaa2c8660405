#pragma once
// Small text helpers shared by every library (no dependencies beyond the standard library).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chat::util {

/// `s` without leading and trailing spaces and tabs (HTTP's optional whitespace).
std::string_view trim(std::string_view s);

/// The pieces of `s` between `sep` ("a,,b" -> "a", "", "b"; "" -> one empty piece).
std::vector<std::string_view> split(std::string_view s, char sep);

/// ASCII-only case-insensitive equality (header names, auth schemes).
bool iequals(std::string_view a, std::string_view b);

/// A duration: "300s", "1s", "500ms", "5m", "2h", or a bare number of seconds. Nothing for
/// anything else (negative, empty, unknown unit, more than ten million of the unit).
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/// The shortest exact spelling parse_duration() reads back ("300s", "500ms", "5m").
std::string format_duration(std::chrono::milliseconds d);

/// Unix milliseconds as ISO 8601 UTC to the second, "2026-12-25T12:00:00Z" (milliseconds dropped).
std::string iso8601_utc(std::int64_t unix_ms);

}  // namespace chat::util
