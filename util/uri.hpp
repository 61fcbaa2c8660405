#pragma once
// Request targets: path, query parameters, percent-encoding (RFC 3986). The one percent-decoder.
#include <optional>
#include <string>
#include <string_view>

namespace chat::util {

/// The path of a request target, without query and fragment.
std::string_view target_path(std::string_view target);

/// Percent-decoding; with `plus_is_space` (query strings, forms) '+' becomes ' '. Nothing on a
/// malformed escape ("%", "%4", "%zz"). Decoded bytes are not checked (callers refuse NUL, '/').
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space = false);

/// Percent-encoding of everything but RFC 3986's unreserved characters.
std::string percent_encode(std::string_view s);

/// The decoded value of the first query parameter `name` of `target`, or nothing (also when its
/// value is malformed).
std::optional<std::string> query_param(std::string_view target, std::string_view name);

}  // namespace chat::util
