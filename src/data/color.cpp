// The ColorJitter steps, computing what torchvision 0.14 computes on PIL images with Pillow 9.4:
// ImageEnhance's Brightness, Contrast and Color (saturation) blend the image with a degenerate
// image through Image.blend, and adjust_hue shifts the H channel of PIL's 8-bit HSV.
//
// PIL does this arithmetic in float and double in a particular order, and truncates to uint8;
// the code below keeps that order and precision (src/data is compiled without fused
// multiply-adds, see CMakeLists.txt) so the results match PIL's bit for bit.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>

#include "minitorch/data/functional.hpp"
#include "minitorch/data/image.hpp"

namespace minitorch::data::transforms {

namespace {

// Image.blend(degenerate, image, factor): factor reaches C as a float and the sum is formed in
// float, then clipped to [0, 255] and truncated toward zero.
inline uint8_t blend(int degenerate, int value, float factor) {
  const float v = float(degenerate) + factor * float(value - degenerate);
  return v <= 0.0f ? 0 : v >= 255.0f ? 255 : uint8_t(v);
}

// PIL's RGB -> L: ITU-R 601 luma in 16-bit fixed point, rounded.
inline uint8_t luma(const uint8_t* rgb) {
  return uint8_t((rgb[0] * 19595 + rgb[1] * 38470 + rgb[2] * 7471 + 0x8000) >> 16);
}

// Blends every sample with one constant level: a 256-entry table does all the arithmetic.
Tensor blend_with_level(const Tensor& image, int level, double factor) {
  std::array<uint8_t, 256> table;
  for (int v = 0; v < 256; ++v) table[size_t(v)] = blend(level, v, float(factor));
  const Tensor src = image.contiguous();
  Tensor out = empty(src.shape(), {.dtype = kUInt8});
  const uint8_t* in = src.data_ptr<uint8_t>();
  uint8_t* o = out.data_ptr<uint8_t>();
  for (int64_t i = 0, n = src.numel(); i < n; ++i) o[i] = table[in[i]];
  return out;
}

void check_factor(double factor, const char* op) {
  MT_CHECK(std::isfinite(factor) && factor >= 0, op, ": the factor must be finite and non-negative, got ", factor);
}

// PIL's rgb2hsv (after Python's colorsys), each channel scaled to 0..255 and truncated.
std::array<uint8_t, 3> rgb_to_hsv(int r, int g, int b) {
  const int maxc = std::max({r, g, b}), minc = std::min({r, g, b});
  if (maxc == minc) return {0, 0, uint8_t(maxc)};
  const float cr = float(maxc - minc);
  const float s = cr / float(maxc);
  const float rc = float(maxc - r) / cr, gc = float(maxc - g) / cr, bc = float(maxc - b) / cr;
  float h;
  if (r == maxc) h = bc - gc;
  else if (g == maxc) h = float(2.0 + rc - bc);
  else h = float(4.0 + gc - rc);
  h = float(std::fmod(h / 6.0 + 1.0, 1.0));
  const auto to8 = [](double x) { return uint8_t(std::clamp(int(x * 255.0), 0, 255)); };
  return {to8(h), to8(s), uint8_t(maxc)};
}

// PIL's hsv2rgb: the sextant and the fraction within it in double, rounded half away from zero.
std::array<uint8_t, 3> hsv_to_rgb(int h, int s, int v) {
  if (s == 0) return {uint8_t(v), uint8_t(v), uint8_t(v)};
  const int i = int(std::floor(float(h) * 6.0 / 255.0));
  const float f = float(float(h) * 6.0 / 255.0 - float(i));
  const float fs = float(float(s) / 255.0);
  const float fs_f = fs * f;  // a float product, as in PIL
  const auto to8 = [](double x) { return uint8_t(std::clamp(int(std::round(x)), 0, 255)); };
  const uint8_t p = to8(float(v) * (1.0 - fs)), q = to8(float(v) * (1.0 - fs_f)),
                t = to8(float(v) * (1.0 - fs * (1.0 - f))), vv = uint8_t(v);
  switch (i % 6) {
    case 0: return {vv, t, p};
    case 1: return {q, vv, p};
    case 2: return {p, vv, t};
    case 3: return {p, q, vv};
    case 4: return {t, p, vv};
    default: return {vv, p, q};
  }
}

}  // namespace

Tensor rgb_to_grayscale(const Tensor& image) {
  check_image(image, "rgb_to_grayscale");
  const Tensor src = image.contiguous();
  Tensor out = empty({src.size(0), src.size(1)}, {.dtype = kUInt8});
  const uint8_t* in = src.data_ptr<uint8_t>();
  uint8_t* o = out.data_ptr<uint8_t>();
  for (int64_t i = 0, n = out.numel(); i < n; ++i) o[i] = luma(in + 3 * i);
  return out;
}

Tensor adjust_brightness(const Tensor& image, double factor) {
  check_image(image, "adjust_brightness");
  check_factor(factor, "adjust_brightness");
  return blend_with_level(image, 0, factor);
}

Tensor adjust_contrast(const Tensor& image, double factor) {
  check_image(image, "adjust_contrast");
  check_factor(factor, "adjust_contrast");
  // ImageEnhance.Contrast: the mean of the grey image, rounded half up.
  const Tensor gray = rgb_to_grayscale(image);
  const uint8_t* g = gray.data_ptr<uint8_t>();
  int64_t total = 0;
  for (int64_t i = 0, n = gray.numel(); i < n; ++i) total += g[i];
  const int mean = int(double(total) / double(gray.numel()) + 0.5);
  return blend_with_level(image, mean, factor);
}

Tensor adjust_saturation(const Tensor& image, double factor) {
  check_image(image, "adjust_saturation");
  check_factor(factor, "adjust_saturation");
  // ImageEnhance.Color: the degenerate image is the grey image, convert('L').convert('RGB').
  const Tensor src = image.contiguous();
  Tensor out = empty(src.shape(), {.dtype = kUInt8});
  const uint8_t* in = src.data_ptr<uint8_t>();
  uint8_t* o = out.data_ptr<uint8_t>();
  const float f = float(factor);
  for (int64_t i = 0, n = src.size(0) * src.size(1); i < n; ++i, in += 3, o += 3) {
    const int gray = luma(in);
    for (int c = 0; c < 3; ++c) o[c] = blend(gray, in[c], f);
  }
  return out;
}

Tensor adjust_hue(const Tensor& image, double hue_factor) {
  check_image(image, "adjust_hue");
  MT_CHECK(hue_factor >= -0.5 && hue_factor <= 0.5, "adjust_hue: hue_factor must be in [-0.5, 0.5], got ",
           hue_factor);
  // torchvision adds np.uint8(hue_factor * 255) to H: truncated toward zero, wrapping mod 256.
  const uint8_t shift = uint8_t(int(hue_factor * 255.0));
  const Tensor src = image.contiguous();
  Tensor out = empty(src.shape(), {.dtype = kUInt8});
  const uint8_t* in = src.data_ptr<uint8_t>();
  uint8_t* o = out.data_ptr<uint8_t>();
  for (int64_t i = 0, n = src.size(0) * src.size(1); i < n; ++i, in += 3, o += 3) {
    const auto hsv = rgb_to_hsv(in[0], in[1], in[2]);
    const auto rgb = hsv_to_rgb(uint8_t(hsv[0] + shift), hsv[1], hsv[2]);
    std::copy(rgb.begin(), rgb.end(), o);
  }
  return out;
}

}  // namespace minitorch::data::transforms
