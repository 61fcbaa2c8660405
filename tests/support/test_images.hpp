#pragma once
// Real image files for the upload tests, encoded by libvips (the library chatd decodes them with).
#include <string>

namespace chat::test {

/// What the pixels hold: a gradient squeezes into few bytes, noise does not (for files that must be
/// large, or whose every byte matters to the decoder).
enum class pixels { gradient, noise };

/// `w` x `h` pixels of `bands` channels (3 RGB, 4 RGBA with varying alpha), encoded as `suffix`
/// (".png", ".jpg", ".gif", ".webp"). Fails the current test when libvips cannot encode it.
std::string make_image(int w, int h, const char* suffix, int bands = 3,
                       pixels kind = pixels::gradient);

}  // namespace chat::test
