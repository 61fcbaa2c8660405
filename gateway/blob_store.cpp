#include "gateway/blob_store.hpp"

#include "gateway/upload_file.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace chat::gateway {

namespace {

namespace fs = std::filesystem;

bool is_hex(std::string_view s) {
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

blob_store::error errno_error(int err, std::string_view what) {
  const bool full = err == ENOSPC || err == EDQUOT;
  return {full ? blob_store::failure::disk_full : blob_store::failure::io_error,
          fmt::format("{}: {}", what, std::strerror(err))};
}

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
  for (auto it = fs::directory_iterator(fs::path(dir_) / "tmp", ec);
       !ec && it != fs::directory_iterator(); it.increment(ec))
    fs::remove(it->path(), ec);
  return true;
}

std::optional<blob_store::error> blob_store::place(upload_file& f) const {
  const std::string final_path = path_of(f.sha256());
  if (final_path.empty()) return error{failure::io_error, "the upload has no hash"};
  std::error_code ec;
  if (fs::exists(final_path, ec)) return std::nullopt;  // f's destructor removes the copy
  fs::create_directories(fs::path(final_path).parent_path(), ec);
  if (ec) return errno_error(ec.value(), "cannot create the attachment's directory");
  if (::rename(f.path().c_str(), final_path.c_str()) != 0)
    return errno_error(errno, "cannot move the attachment into place");
  f.release();
  return std::nullopt;
}

bool blob_store::remove(std::string_view sha256) const {
  const std::string p = path_of(sha256);
  if (p.empty()) return false;
  return ::unlink(p.c_str()) == 0 || errno == ENOENT;
}

std::string blob_store::path_of(std::string_view sha256) const {
  if (sha256.size() != 64 || !is_hex(sha256)) return {};
  return fmt::format("{}/{}/{}", dir_, sha256.substr(0, 2), sha256);
}

blob_store::put_result blob_store::put(std::string_view bytes) const {
  const std::string sha = sha256_hex(bytes);
  std::error_code ec;
  if (fs::exists(path_of(sha), ec)) return sha;  // the same bytes are stored once
  auto opened = upload_file::open(tmp_dir(), bytes.size());
  if (auto* e = std::get_if<error>(&opened)) return *e;
  auto& f = std::get<upload_file>(opened);
  if (auto e = f.append(bytes)) return *e;
  if (auto e = f.finish()) return *e;
  if (auto e = place(f)) return *e;
  return sha;
}

}  // namespace chat::gateway
