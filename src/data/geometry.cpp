// Crops and flips: pixels move, values do not change.
#include <algorithm>
#include <cstdint>

#include "minitorch/data/functional.hpp"
#include "minitorch/data/image.hpp"

namespace minitorch::data::transforms {

namespace {
// torchvision's int(round((size - crop) / 2.0)): Python rounds halves to the even neighbour.
int64_t centred_offset(int64_t size, int64_t crop) {
  const int64_t half = (size - crop) / 2;
  const bool odd = (size - crop) % 2 != 0;
  return odd && half % 2 != 0 ? half + 1 : half;
}
}  // namespace

Tensor center_crop(const Tensor& image, int64_t height, int64_t width) {
  check_image(image, "center_crop");
  MT_CHECK(height > 0 && width > 0 && height <= image.size(0) && width <= image.size(1), "center_crop: a ", height,
           " x ", width, " crop does not fit in the ", image.size(0), " x ", image.size(1),
           " image (expected 0 < crop <= image size; pad or resize first)");
  const int64_t top = centred_offset(image.size(0), height), left = centred_offset(image.size(1), width);
  return image.narrow(0, top, height).narrow(1, left, width).clone();
}

Tensor hflip(const Tensor& image) {
  check_image(image, "hflip");
  const Tensor src = image.contiguous();
  Tensor out = empty(src.shape(), {.dtype = kUInt8});
  const int64_t h = src.size(0), w = src.size(1);
  const uint8_t* in = src.data_ptr<uint8_t>();
  uint8_t* o = out.data_ptr<uint8_t>();
  for (int64_t y = 0; y < h; ++y) {
    const uint8_t* row = in + y * w * 3;
    uint8_t* dst = o + y * w * 3;
    for (int64_t x = 0; x < w; ++x) std::copy_n(row + (w - 1 - x) * 3, 3, dst + x * 3);
  }
  return out;
}

}  // namespace minitorch::data::transforms
