#pragma once
// The one Cookie header parser (RFC 6265 section 5.4 as browsers send it).
#include <optional>
#include <string_view>

namespace chat::util {

/// The value of the first cookie `name` in a Cookie header: pairs split on ';', optional
/// whitespace around names and values ignored, one pair of surrounding double quotes removed.
/// Pairs without '=' are skipped. Nothing when no pair has that name. The view points into
/// `header`.
std::optional<std::string_view> cookie_value(std::string_view header, std::string_view name);

}  // namespace chat::util
