#include "admin/token.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <cstring>

namespace chat::admin {

namespace {

using persistence::errc;
using persistence::error;

std::string trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

persistence::result<std::string> read_token(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return error{
        errno == ENOENT ? errc::not_found : errc::bad_config,
        fmt::format("cannot read the admin token file {}: {}", path, std::strerror(errno))};
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077) != 0) {
    ::close(fd);
    return error{errc::bad_config,
                 fmt::format("admin token file {} must be a regular file with mode 0600", path)};
  }
  char buf[256];
  auto n = ::read(fd, buf, sizeof buf);
  ::close(fd);
  if (n <= 0) return error{errc::bad_config, fmt::format("admin token file {} is empty", path)};
  auto token = trim(std::string(buf, static_cast<std::size_t>(n)));
  if (token.size() < 32)
    return error{errc::bad_config, fmt::format("admin token file {} holds no token", path)};
  return token;
}

persistence::result<std::string> load_or_create_token(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return read_token(path);
    return error{errc::bad_config, fmt::format("cannot create the admin token file {}: {}", path,
                                               std::strerror(errno))};
  }
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) {
    ::close(fd);
    ::unlink(path.c_str());
    return error{errc::internal, "no randomness for the admin token"};
  }
  std::string token;
  for (unsigned char c : raw) token += fmt::format("{:02x}", c);
  std::string text = token + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return error{errc::internal, fmt::format("cannot write the admin token file {}", path)};
  }
  return token;
}

bool token_equal(std::string_view presented, std::string_view expected) {
  // Lengths are public (always 64 hex characters); the contents are compared without early exit.
  if (presented.size() != expected.size() || expected.empty()) return false;
  return CRYPTO_memcmp(presented.data(), expected.data(), expected.size()) == 0;
}

}  // namespace chat::admin
