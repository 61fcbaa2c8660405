#include "gateway/blob_store.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace chat::gateway {

namespace {

namespace fs = std::filesystem;

std::string random_name() {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1) return fmt::format("t{}", ::getpid());
  std::string out;
  for (unsigned char c : raw) out += fmt::format("{:02x}", c);
  return out;
}

blob_store::error errno_error(int err, std::string_view what) {
  const bool full = err == ENOSPC || err == EDQUOT;
  return {full ? blob_store::failure::disk_full : blob_store::failure::io_error,
          fmt::format("{}: {}", what, std::strerror(err))};
}

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr);
  std::string out;
  out.reserve(64);
  for (unsigned i = 0; i < len; ++i) out += fmt::format("{:02x}", digest[i]);
  return out;
}

bool blob_store::prepare(std::string& message) const {
  std::error_code ec;
  fs::create_directories(fs::path(dir_) / "tmp", ec);
  if (ec) {
    message = fmt::format("cannot create the attachments directory '{}': {}", dir_, ec.message());
    return false;
  }
  return true;
}

std::string blob_store::path_of(std::string_view sha256) const {
  if (sha256.size() != 64 || !is_hex(sha256)) return {};
  return fmt::format("{}/{}/{}", dir_, sha256.substr(0, 2), sha256);
}

blob_store::put_result blob_store::put(std::string_view bytes) const {
  const std::string sha = sha256_hex(bytes);
  const std::string final_path = path_of(sha);
  std::error_code ec;
  if (fs::exists(final_path, ec)) return sha;  // the same bytes are stored once
  const std::string tmp = fmt::format("{}/tmp/{}", dir_, random_name());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return errno_error(errno, "cannot create a file in the attachments directory");
  // From here every failure removes the temporary file.
  auto fail = [&](int err, std::string_view what) -> put_result {
    ::close(fd);
    ::unlink(tmp.c_str());
    return errno_error(err, what);
  };
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(errno, "cannot write the attachment");
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail(errno, "cannot flush the attachment to disk");
  if (::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return errno_error(err, "cannot close the attachment");
  }
  fs::create_directories(fs::path(final_path).parent_path(), ec);
  if (ec) {
    ::unlink(tmp.c_str());
    return errno_error(ec.value(), "cannot create the attachment's directory");
  }
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return errno_error(err, "cannot move the attachment into place");
  }
  return sha;
}

}  // namespace chat::gateway
