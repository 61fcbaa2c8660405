#pragma once
// Static files for the web client, free of Beast: maps a request target to a file on disk with its
// content type, encoding and cache policy. The HTTP session only streams the chosen file.
#include <string>
#include <string_view>

namespace chat::gateway {

struct static_lookup {
  enum class outcome { found, not_found, forbidden } result = outcome::not_found;
  std::string path;              ///< the file to send (maybe a .br/.gz sibling)
  std::string content_type;      ///< of the original file
  std::string content_encoding;  ///< "", "br" or "gzip"
  std::string cache_control;
  bool vary_accept_encoding = false;  ///< a compressed sibling exists: caches must key on it
};

/// Resolves `target` (path + query, as received) under `web_root`. Refuses traversal (.., NUL,
/// backslashes, symlinks leading out of the root). Unknown paths whose last segment has no dot
/// fall back to index.html (the SPA routes them); unknown assets are not_found.
static_lookup resolve_static(const std::string& web_root, std::string_view target,
                             std::string_view accept_encoding);

/// Whether `accept_encoding` (an Accept-Encoding header) allows `coding` (q > 0).
bool accepts_encoding(std::string_view accept_encoding, std::string_view coding);

/// Content type for a file name, by extension.
std::string_view mime_type(std::string_view path);

/// True for build outputs with a content hash in the name (main-2XQTKZ4Y.js, app.3f9a1c2b.css).
bool is_hashed_name(std::string_view filename);

}  // namespace chat::gateway
