#include "gateway/static_files.hpp"

#include <cctype>
#include <filesystem>
#include <optional>
#include <system_error>

#include "util/text.hpp"
#include "util/uri.hpp"

namespace chat::gateway {
namespace {

namespace fs = std::filesystem;
using util::iequals;
using util::trim;

bool is_regular(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec);
}

// The file must stay inside the root after symlinks are resolved.
bool inside(const fs::path& root, const fs::path& file) {
  std::error_code ec;
  auto r = fs::weakly_canonical(root, ec);
  if (ec) return false;
  auto f = fs::weakly_canonical(file, ec);
  if (ec) return false;
  auto rs = r.native(), fsn = f.native();
  if (!rs.empty() && rs.back() != '/') rs.push_back('/');
  return fsn.compare(0, rs.size(), rs) == 0;
}

}  // namespace

bool accepts_encoding(std::string_view header, std::string_view coding) {
  while (!header.empty()) {
    auto comma = header.find(',');
    auto item = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    auto semi = item.find(';');
    auto name = trim(item.substr(0, semi));
    if (!iequals(name, coding) && name != "*") continue;
    if (semi == std::string_view::npos) return true;
    auto params = trim(item.substr(semi + 1));
    // "q=0", "q=0.0", "q=0.000" refuse the coding; any other q allows it.
    if (params.size() >= 2 && (params[0] == 'q' || params[0] == 'Q') && params[1] == '=') {
      auto q = trim(params.substr(2));
      bool zero = !q.empty() && q[0] == '0';
      for (std::size_t i = 1; zero && i < q.size(); ++i)
        if (q[i] != '.' && q[i] != '0') zero = false;
      if (zero) {
        if (name == "*") continue;
        return false;
      }
    }
    return true;
  }
  return false;
}

std::string_view mime_type(std::string_view path) {
  auto dot = path.rfind('.');
  if (dot == std::string_view::npos) return "application/octet-stream";
  auto ext = path.substr(dot + 1);
  struct entry {
    std::string_view ext, type;
  };
  static constexpr entry table[] = {
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"webmanifest", "application/manifest+json"},
      {"map", "application/json"},
      {"txt", "text/plain; charset=utf-8"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"ico", "image/x-icon"},
      {"woff", "font/woff"},
      {"woff2", "font/woff2"},
      {"ttf", "font/ttf"},
      {"wasm", "application/wasm"},
  };
  for (const auto& e : table)
    if (iequals(ext, e.ext)) return e.type;
  return "application/octet-stream";
}

bool is_hashed_name(std::string_view filename) {
  auto dot = filename.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return false;
  auto stem = filename.substr(0, dot);
  auto sep = stem.find_last_of("-.");
  if (sep == std::string_view::npos) return false;
  auto hash = stem.substr(sep + 1);
  if (hash.size() < 8 || hash.size() > 64) return false;
  // esbuild (Angular) names are 8 upper-case base32 characters (main-ZYCRNMIS.js), webpack's are
  // lower-case hex: a token that is all upper case, or that holds a digit, is a hash, not a word.
  bool digit = false, lower = false;
  for (char c : hash) {
    auto u = static_cast<unsigned char>(c);
    if (!std::isalnum(u)) return false;
    if (std::isdigit(u)) digit = true;
    if (std::islower(u)) lower = true;
  }
  return digit || !lower;
}

static_lookup resolve_static(const std::string& web_root, std::string_view target,
                             std::string_view accept_encoding) {
  using outcome = static_lookup::outcome;
  static_lookup out;
  std::string_view raw = util::target_path(target);
  if (raw.empty() || raw.front() != '/') {
    out.result = outcome::forbidden;
    return out;
  }
  auto decoded = util::percent_decode(raw);
  if (!decoded || decoded->find_first_of(std::string_view("\\\0", 2)) != std::string::npos) {
    out.result = outcome::forbidden;
    return out;
  }
  // Refuse any ".." segment rather than normalising it away.
  std::string_view p = *decoded;
  for (std::size_t start = 0; start <= p.size();) {
    auto end = p.find('/', start);
    if (end == std::string_view::npos) end = p.size();
    if (p.substr(start, end - start) == "..") {
      out.result = outcome::forbidden;
      return out;
    }
    start = end + 1;
  }
  std::string rel = *decoded;
  if (rel.back() == '/') rel += "index.html";
  fs::path root(web_root);
  fs::path file = root / fs::path(rel.substr(1));
  if (!is_regular(file)) {
    auto slash = rel.rfind('/');
    auto last = std::string_view(rel).substr(slash + 1);
    if (last.find('.') != std::string_view::npos) return out;  // a missing asset: 404
    file = root / "index.html";                                // an SPA route
    if (!is_regular(file)) return out;
  }
  if (!inside(root, file)) {
    out.result = outcome::forbidden;
    return out;
  }
  auto name = file.filename().string();
  out.result = outcome::found;
  out.content_type = std::string(mime_type(name));
  if (is_hashed_name(name) && name.find(".htm") == std::string::npos)
    out.cache_control = "public, max-age=31536000, immutable";
  else
    out.cache_control = "no-cache";  // index.html and unhashed files: revalidate every time
  out.path = file.string();
  bool has_br = is_regular(file.string() + ".br"), has_gz = is_regular(file.string() + ".gz");
  out.vary_accept_encoding = has_br || has_gz;
  if (has_br && accepts_encoding(accept_encoding, "br")) {
    out.path += ".br";
    out.content_encoding = "br";
  } else if (has_gz && accepts_encoding(accept_encoding, "gzip")) {
    out.path += ".gz";
    out.content_encoding = "gzip";
  }
  return out;
}

}  // namespace chat::gateway
