#pragma once
// The admin TCP listener's shared secret: random, kept in a 0600 file, compared in constant time.
#include <string>
#include <string_view>

#include "persistence/result.hpp"

namespace chat::admin {

/// Reads the token from `path`, or creates the file (mode 0600, exclusive create) with a fresh
/// random 256-bit token on first start. Refuses a file that group or others can read or write.
persistence::result<std::string> load_or_create_token(const std::string& path);

/// Reads an existing token file (chatctl); errors name the file, never its contents.
persistence::result<std::string> read_token(const std::string& path);

/// Equality in time independent of where the inputs differ.
bool token_equal(std::string_view presented, std::string_view expected);

}  // namespace chat::admin
