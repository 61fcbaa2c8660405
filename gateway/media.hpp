#pragma once
// What the bytes of an upload are (libmagic) and whether they are a whole image (libvips), with
// its thumbnail. Both are slow, blocking calls on a file: the gateway runs them on the attachment
// pool, never on I/O or actor threads.
#include <optional>
#include <string>
#include <string_view>

namespace chat::gateway {

/// The MIME type the file's bytes say they are ("application/octet-stream" when libmagic cannot
/// tell). Never the client's claim.
std::string sniff_content_type(const std::string& path);

/// Whether the type is one we decode, thumbnail and show inline (png, jpeg, gif, webp).
bool is_inline_image(std::string_view content_type);

struct image_info {
  enum class verdict {
    whole,        ///< every pixel (of every frame) decoded without an error
    undecodable,  ///< truncated, corrupt, or not the format it was sniffed as: refused (415)
    too_large,    ///< over max_pixels (a decompression bomb): kept as a plain file, not decoded
  };
  verdict result = verdict::undecodable;
  std::string reason;  ///< libvips's first error line, for undecodable
  int width = 0, height = 0;
  std::optional<std::string> thumbnail;  ///< JPEG (PNG for images with alpha) bytes
  std::string thumbnail_type;
};

/// Decodes the image in `path` (sniffed as `content_type`, one of is_inline_image's) whole, in
/// sequential strips (memory bounded by the image's width, not its size), failing on the first
/// decoder error; then makes a thumbnail that fits `max_side` pixels.
image_info probe_image(const std::string& path, std::string_view content_type, int max_side = 320,
                       long long max_pixels = 50'000'000);

/// Whether the bytes start like a JPEG (SOI and a marker).
bool looks_like_jpeg(std::string_view bytes);
/// Whether a JPEG's image data is complete: an end-of-image marker after its first scan. libjpeg
/// decodes a cut-off file with a mere warning, so this is checked before.
bool jpeg_complete(std::string_view bytes);

struct avatar_image {
  std::string bytes;         ///< the re-encoded image, metadata stripped
  std::string content_type;  ///< "image/png" (alpha) or "image/jpeg"
  int width = 0, height = 0;
};

/// Re-encodes an uploaded avatar: the centre square, scaled to `side` x `side`, PNG when it has
/// alpha, JPEG otherwise, no metadata. nullopt when libvips cannot decode it fully or it is over
/// `max_pixels`.
std::optional<avatar_image> make_avatar(std::string_view bytes, int side = 256,
                                        long long max_pixels = 50'000'000);

}  // namespace chat::gateway
