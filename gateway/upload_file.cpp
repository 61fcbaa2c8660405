#include "gateway/upload_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace chat::gateway {

std::variant<upload_file, blob_store::error> upload_file::open(const std::string& tmp_dir,
                                                               std::size_t max_bytes) {
  unsigned char raw[16];
  if (RAND_bytes(raw, sizeof raw) != 1)
    return blob_store::error{blob_store::failure::io_error, "no randomness for a file name"};
  std::string name = tmp_dir + "/";
  for (unsigned char c : raw) name += fmt::format("{:02x}", c);
  upload_file f;
  f.max_ = max_bytes;
  f.md_ = EVP_MD_CTX_new();
  if (f.md_ == nullptr || EVP_DigestInit_ex(f.md_, EVP_sha256(), nullptr) != 1)
    return blob_store::error{blob_store::failure::io_error, "cannot start a SHA-256"};
  f.fd_ = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (f.fd_ < 0) return errno_error(errno, "cannot create a file in the attachments directory");
  f.path_ = std::move(name);
  return f;
}

upload_file::upload_file(upload_file&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)),
      path_(std::exchange(o.path_, {})),
      md_(std::exchange(o.md_, nullptr)),
      size_(o.size_),
      max_(o.max_),
      sha256_(std::move(o.sha256_)) {}

upload_file& upload_file::operator=(upload_file&& o) noexcept {
  if (this != &o) {
    discard();
    fd_ = std::exchange(o.fd_, -1);
    path_ = std::exchange(o.path_, {});
    md_ = std::exchange(o.md_, nullptr);
    size_ = o.size_;
    max_ = o.max_;
    sha256_ = std::move(o.sha256_);
  }
  return *this;
}

upload_file::~upload_file() {
  discard();
}

void upload_file::discard() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!path_.empty()) ::unlink(path_.c_str());
  path_.clear();
  if (md_) EVP_MD_CTX_free(md_);
  md_ = nullptr;
}

std::optional<blob_store::error> upload_file::append(std::string_view bytes) {
  if (fd_ < 0) return blob_store::error{blob_store::failure::io_error, "the upload file is closed"};
  if (bytes.size() > max_ - size_)
    return blob_store::error{blob_store::failure::too_large,
                             fmt::format("files here are at most {} bytes", max_)};
  EVP_DigestUpdate(md_, bytes.data(), bytes.size());
  std::size_t done = 0;
  while (done < bytes.size()) {
    ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno_error(errno, "cannot write the attachment");
    }
    done += static_cast<std::size_t>(n);
  }
  size_ += bytes.size();
  return std::nullopt;
}

std::optional<blob_store::error> upload_file::finish() {
  if (fd_ < 0) return blob_store::error{blob_store::failure::io_error, "the upload file is closed"};
  if (::fsync(fd_) != 0) return errno_error(errno, "cannot flush the attachment to disk");
  const int fd = std::exchange(fd_, -1);
  if (::close(fd) != 0) return errno_error(errno, "cannot close the attachment");
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(md_, digest, &len);
  sha256_.clear();
  for (unsigned i = 0; i < len; ++i) sha256_ += fmt::format("{:02x}", digest[i]);
  return std::nullopt;
}

}  // namespace chat::gateway
