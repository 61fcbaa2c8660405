#pragma once
// One log line on stderr: "<UTC time> <component>: <message>". Lines never carry secrets.
#include <string_view>

namespace chat::gateway {

/// Writes one whole line (a single write, so lines from different threads do not interleave).
void log_line(std::string_view component, std::string_view message);

}  // namespace chat::gateway
