// Bilinear resize with antialiasing, computing what Pillow 9.4's Image.resize(size, BILINEAR)
// computes for 8-bit images (the algorithm of its libImaging/Resample.c, written anew):
//
// 1. Each axis is resampled separately: first every row (horizontal pass, into an 8-bit
//    intermediate image), then every column of that (vertical pass). The intermediate is rounded
//    and clipped to uint8, so the pass order is part of the result.
// 2. Output sample i sits at center = (i + 0.5) * scale in input coordinates, scale = in / out.
//    Its weights come from the triangle filter max(0, 1 - |d|) evaluated at the distance d from
//    the centre of each input pixel. When shrinking (scale > 1) the triangle is stretched by
//    `scale`, so every input pixel contributes: this is the antialiasing that a plain bilinear
//    interpolation (4 taps) lacks. The weights of one sample are normalised to sum to 1.
// 3. The weights become integers with 22 fractional bits; sums start at one half (2^21) so the
//    final shift rounds to nearest, and are clipped to [0, 255].
//
// The floating-point steps are written in PIL's order and precision, and src/data is compiled
// without fused multiply-adds (CMakeLists.txt), so the integer weights match PIL's bit for bit.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "minitorch/data/functional.hpp"
#include "minitorch/data/image.hpp"

namespace minitorch::data::transforms {

namespace {

constexpr int kChannels = 3;
// 8 bits for the result, 2 bits of headroom for sums slightly above 1, 22 for the fraction.
constexpr int kPrecisionBits = 32 - 8 - 2;

// The weights of every output sample along one axis. Sample i reads `taps` inputs starting at
// first[i], with the integer weights weights[i * taps ...]. Every sample has the same number of
// taps (zero weights pad the shorter ones), so the inner loops have a fixed length.
struct AxisFilter {
  std::vector<int> first;
  std::vector<int32_t> weights;
  int taps = 0;
};

double triangle(double x) {
  x = std::abs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

AxisFilter make_filter(int in_size, int out_size) {
  const double scale = double(in_size) / out_size;
  const double filter_scale = std::max(scale, 1.0);  // stretch the filter only when shrinking
  const double support = 1.0 * filter_scale;         // the triangle's radius, in input pixels
  const double inv_filter_scale = 1.0 / filter_scale;

  AxisFilter f;
  // The most inputs one sample can read (PIL's ksize), but no more than the image has.
  f.taps = std::min(int(std::ceil(support)) * 2 + 1, in_size);
  f.first.resize(size_t(out_size));
  f.weights.assign(size_t(out_size) * size_t(f.taps), 0);
  std::vector<double> w(size_t(int(std::ceil(support)) * 2 + 1));
  for (int i = 0; i < out_size; ++i) {
    const double center = (i + 0.5) * scale;
    // Rounded by truncation (toward zero) as PIL's (int) casts, then clamped to the image.
    const int lo = std::max(int(center - support + 0.5), 0);
    const int hi = std::min(int(center + support + 0.5), in_size);
    double total = 0;
    for (int x = lo; x < hi; ++x) {
      w[size_t(x - lo)] = triangle((x - center + 0.5) * inv_filter_scale);
      total += w[size_t(x - lo)];
    }
    // The window [first, first + taps) holds [lo, hi) and stays inside the image.
    const int first = std::min(lo, in_size - f.taps);
    int32_t* out = &f.weights[size_t(i) * size_t(f.taps) + size_t(lo - first)];
    for (int x = lo; x < hi; ++x) {
      const double normalised = total != 0.0 ? w[size_t(x - lo)] / total : w[size_t(x - lo)];
      out[x - lo] = int32_t(0.5 + normalised * (1 << kPrecisionBits));  // the triangle is never negative
    }
    f.first[size_t(i)] = first;
  }
  return f;
}

inline uint8_t clip8(int32_t sum) { return uint8_t(std::clamp(sum >> kPrecisionBits, 0, 255)); }

// Resamples the columns of `in` (rows of `row_len` bytes, numbered as in `f`) to the height of
// `f`. Whole rows are accumulated at once, which the compiler vectorises.
void resample_columns(const uint8_t* in, int row_len, const AxisFilter& f, uint8_t* out) {
  std::vector<int32_t> sum(static_cast<size_t>(row_len));
  for (size_t y = 0; y < f.first.size(); ++y) {
    std::fill(sum.begin(), sum.end(), 1 << (kPrecisionBits - 1));
    const int32_t* w = &f.weights[y * size_t(f.taps)];
    for (int t = 0; t < f.taps; ++t) {
      const uint8_t* src = in + size_t(f.first[y] + t) * size_t(row_len);
      const int32_t wt = w[t];
      for (int i = 0; i < row_len; ++i) sum[size_t(i)] += src[i] * wt;
    }
    uint8_t* dst = out + y * size_t(row_len);
    for (int i = 0; i < row_len; ++i) dst[i] = clip8(sum[size_t(i)]);
  }
}

// [rows, cols, 3] -> [cols, rows, 3], in tiles that stay in cache.
void transpose_pixels(const uint8_t* in, int rows, int cols, uint8_t* out) {
  constexpr int kTile = 32;
  for (int r0 = 0; r0 < rows; r0 += kTile)
    for (int c0 = 0; c0 < cols; c0 += kTile)
      for (int c = c0; c < std::min(c0 + kTile, cols); ++c)
        for (int r = r0; r < std::min(r0 + kTile, rows); ++r)
          std::copy_n(in + (size_t(r) * size_t(cols) + size_t(c)) * kChannels, kChannels,
                      out + (size_t(c) * size_t(rows) + size_t(r)) * kChannels);
}

// Resamples every row of a [rows, in_w, 3] image to the width of `f`. Along a row the taps of
// neighbouring outputs overlap irregularly, which does not vectorise; so the image is transposed,
// its columns resampled (which does), and transposed back.
void resample_rows(const uint8_t* in, int rows, int in_w, const AxisFilter& f, uint8_t* out) {
  const int out_w = int(f.first.size());
  std::vector<uint8_t> transposed(size_t(in_w) * size_t(rows) * kChannels);
  std::vector<uint8_t> resampled(size_t(out_w) * size_t(rows) * kChannels);
  transpose_pixels(in, rows, in_w, transposed.data());
  resample_columns(transposed.data(), rows * kChannels, f, resampled.data());
  transpose_pixels(resampled.data(), out_w, rows, out);
}

}  // namespace

Tensor resize(const Tensor& image, int64_t height, int64_t width) {
  check_image(image, "resize");
  MT_CHECK(height > 0 && width > 0 && height <= kMaxImagePixels && width <= kMaxImagePixels &&
               height * width <= kMaxImagePixels,
           "resize: output size ", height, " x ",
           width, " is invalid (expected positive sizes, at most ", kMaxImagePixels, " pixels)");
  const Tensor src = image.contiguous();
  const int in_h = int(src.size(0)), in_w = int(src.size(1)), out_h = int(height), out_w = int(width);
  if (in_h == out_h && in_w == out_w) return src.clone();

  const AxisFilter fx = make_filter(in_w, out_w), fy = make_filter(in_h, out_h);
  Tensor out = empty({height, width, kChannels}, {.dtype = kUInt8});
  const uint8_t* pixels = src.data_ptr<uint8_t>();
  if (in_w == out_w) {  // as PIL, a pass that would not change its axis is skipped
    resample_columns(pixels, in_w * kChannels, fy, out.data_ptr<uint8_t>());
    return out;
  }
  if (in_h == out_h) {
    resample_rows(pixels, in_h, in_w, fx, out.data_ptr<uint8_t>());
    return out;
  }
  // Only the input rows the vertical pass reads go through the horizontal pass.
  const int first_row = fy.first.front(), end_row = fy.first.back() + fy.taps;
  std::vector<uint8_t> temp(size_t(end_row - first_row) * size_t(out_w) * kChannels);
  resample_rows(pixels + size_t(first_row) * size_t(in_w) * kChannels, end_row - first_row, in_w, fx, temp.data());
  AxisFilter fy_local = fy;
  for (int& r : fy_local.first) r -= first_row;
  resample_columns(temp.data(), out_w * kChannels, fy_local, out.data_ptr<uint8_t>());
  return out;
}

Tensor resize_shorter_side(const Tensor& image, int64_t shorter_side) {
  check_image(image, "resize");
  MT_CHECK(shorter_side > 0, "resize: the shorter side must be positive, got ", shorter_side);
  const int64_t h = image.size(0), w = image.size(1);
  // torchvision: new_long = int(size * long / short), in double precision, truncated.
  const int64_t longer = int64_t(double(shorter_side) * double(std::max(h, w)) / double(std::min(h, w)));
  return w <= h ? resize(image, longer, shorter_side) : resize(image, shorter_side, longer);
}

}  // namespace minitorch::data::transforms
