#pragma once
// What the bytes of an upload are (libmagic) and their thumbnail (libvips). Both are slow, blocking
// calls: the gateway runs them on the attachment pool, never on I/O or actor threads.
#include <optional>
#include <string>
#include <string_view>

namespace chat::gateway {

/// The MIME type the bytes say they are ("application/octet-stream" when libmagic cannot tell).
/// Never the client's claim.
std::string sniff_content_type(std::string_view bytes);

/// Whether the type is one we thumbnail and show inline (png, jpeg, gif, webp).
bool is_inline_image(std::string_view content_type);

struct image_info {
  int width = 0, height = 0;
  std::optional<std::string> thumbnail;  ///< JPEG (PNG for images with alpha) bytes
  std::string thumbnail_type;
};

/// Reads an image's size and makes a thumbnail that fits `max_side` pixels. nullopt when libvips
/// cannot read the image or it is over `max_pixels` (a decompression bomb): the file is then kept
/// as a plain file, without a thumbnail.
std::optional<image_info> probe_image(std::string_view bytes, int max_side = 320,
                                      long long max_pixels = 50'000'000);

}  // namespace chat::gateway
