#include "auth/password.hpp"

#include <sodium.h>

#include "auth/crypto.hpp"

namespace chat::auth {

std::optional<std::string> password_problem(std::string_view password, std::string_view username) {
  if (password.size() > max_password_bytes) {
    return "Passwords can be at most 1024 bytes long.";
  }
  std::size_t chars = 0;
  for (unsigned char c : password) {
    if ((c & 0xC0) != 0x80) ++chars;  // count code points, not continuation bytes
  }
  if (chars < min_password_chars) return "Passwords need at least 8 characters.";
  if (password.size() == username.size()) {
    bool same = true;
    for (std::size_t i = 0; i < password.size() && same; ++i) {
      auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? char(c - 'A' + 'a') : c; };
      same = lower(password[i]) == lower(username[i]);
    }
    if (same) return "The password must not be the username.";
  }
  return std::nullopt;
}

password_hasher::password_hasher(bool fast)
    : ops_(fast ? crypto_pwhash_OPSLIMIT_MIN : crypto_pwhash_OPSLIMIT_INTERACTIVE),
      mem_(fast ? crypto_pwhash_MEMLIMIT_MIN : crypto_pwhash_MEMLIMIT_INTERACTIVE) {
  sodium_ready();
  // A hash of a random password nobody knows: verifying against it costs what a real one costs.
  dummy_ = hash(random_token(24)).value_or("");
}

std::optional<std::string> password_hasher::hash(std::string_view password) const {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), ops_, mem_) != 0) {
    return std::nullopt;
  }
  return std::string(out);
}

bool password_hasher::verify(std::string_view encoded, std::string_view password) const {
  if (encoded.empty() || encoded.size() >= crypto_pwhash_STRBYTES) return false;
  const std::string z(encoded);  // crypto_pwhash_str_verify wants a NUL-terminated string
  return crypto_pwhash_str_verify(z.c_str(), password.data(), password.size()) == 0;
}

void password_hasher::verify_dummy(std::string_view password) const {
  (void)verify(dummy_, password);
}

bool password_hasher::needs_rehash(std::string_view encoded) const {
  const std::string z(encoded);
  return crypto_pwhash_str_needs_rehash(z.c_str(), ops_, mem_) != 0;
}

}  // namespace chat::auth
