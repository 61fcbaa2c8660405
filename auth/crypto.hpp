#pragma once
// Small cryptographic helpers over libsodium and OpenSSL: random tokens, hashes, encodings.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace chat::auth {

/// Initialises libsodium once (thread-safe, idempotent). False if the library cannot start.
bool sodium_ready();

/// `bytes` random bytes from the OS CSPRNG, base64url without padding.
std::string random_token(std::size_t bytes = 32);
/// Lower-case hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);
/// Raw SHA-256 of `data` (32 bytes).
std::string sha256_raw(std::string_view data);
std::string base64url_encode(std::string_view bytes);
/// Decodes base64url with or without padding; nothing on malformed input.
std::optional<std::string> base64url_decode(std::string_view text);
/// Compares in time independent of where the inputs differ (lengths may leak).
bool constant_time_equal(std::string_view a, std::string_view b);
/// True for a string of 43 base64url characters (the shape of our 32-byte tokens).
bool looks_like_token(std::string_view s);

}  // namespace chat::auth

namespace chat::auth {
/// Standard base64 with padding (HTTP Basic credentials).
std::string base64_encode(std::string_view bytes);
}  // namespace chat::auth
