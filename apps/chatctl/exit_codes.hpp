#pragma once
// chatctl's exit codes (docs/admin.md lists them; scripts rely on them).
namespace chat::chatctl::exit_code {
inline constexpr int ok = 0;
inline constexpr int findings = 1;       ///< verify found problems
inline constexpr int usage = 2;          ///< bad command line
inline constexpr int unreachable = 3;    ///< chatd not running / no socket / no answer
inline constexpr int access_denied = 4;  ///< socket permissions or wrong token
inline constexpr int not_found = 5;      ///< no such user, conversation, connection
inline constexpr int failed = 6;         ///< chatd answered with an error (database down, ...)
}  // namespace chat::chatctl::exit_code
