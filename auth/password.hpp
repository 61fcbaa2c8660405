#pragma once
// Password rules and argon2id hashing (libsodium crypto_pwhash_str).
#include <optional>
#include <string>
#include <string_view>

namespace chat::auth {

inline constexpr std::size_t min_password_chars = 8;     ///< counted in UTF-8 code points
inline constexpr std::size_t max_password_bytes = 1024;  ///< bounds the hashing work per request

/// Why a password is refused, as a sentence for the user; nothing when acceptable.
std::optional<std::string> password_problem(std::string_view password, std::string_view username);

class password_hasher {
 public:
  /// `fast` picks libsodium's minimum limits (tests); otherwise the interactive ones.
  explicit password_hasher(bool fast);
  /// The encoded argon2id string; nothing if hashing failed (out of memory).
  std::optional<std::string> hash(std::string_view password) const;
  /// Constant-time verification against an encoded hash.
  bool verify(std::string_view encoded, std::string_view password) const;
  /// Spends the same work as a verify against a real hash, for unknown users (no timing oracle).
  void verify_dummy(std::string_view password) const;
  /// True if `encoded` was made with other limits and should be re-hashed after a good login.
  bool needs_rehash(std::string_view encoded) const;

 private:
  unsigned long long ops_;
  std::size_t mem_;
  std::string dummy_;
};

}  // namespace chat::auth
