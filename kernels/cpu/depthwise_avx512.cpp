// ConvNeXt's 7x7 depthwise convolution (stride 1, float32) with AVX-512, channels-last.
//
// The input is first copied into a zero-padded buffer, so the inner loops never test bounds.
// Forward: for 8 neighbouring output pixels and 16 channels, 8 accumulators stay in registers;
// for each kernel row the 14 input vectors those pixels see are loaded once and each of the 7
// weight vectors is multiplied into all 8 accumulators: 56 FMAs per 21 loads.
// Input gradient: the same kernel run on the padded output gradient with the weights flipped
// (a stride-1 convolution's adjoint is the correlation with the flipped kernel).
// Weight gradient: per output pixel, one gradient vector times the 7 input vectors of a kernel
// row, summed into 7 register accumulators; per-thread partial sums are added in thread order.
#include "depthwise_avx512.hpp"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "loops.hpp"
#include "scratch.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace minitorch::kernels::cpu {

bool depthwise7_fast_path(DType t, const ConvGeometry& g) {
#if defined(__AVX512F__)
  return t == DType::Float32 && g.kernel_h == 7 && g.kernel_w == 7 && g.stride_h == 1 && g.stride_w == 1 &&
         g.channels % 16 == 0 && g.out_h == g.in_h + 2 * g.pad_h - 6 && g.out_w == g.in_w + 2 * g.pad_w - 6;
#else
  (void)t;
  (void)g;
  return false;
#endif
}

#if defined(__AVX512F__)

namespace {

constexpr int kK = 7, kTile = 8;

// [N, H, W, C] -> zero-padded [N, H + top + bottom, W + left + right, C]
Scratch pad_nhwc(const float* x, int64_t n, int64_t h, int64_t w, int64_t c, int64_t top, int64_t bottom, int64_t left,
                 int64_t right) {
  const int64_t hp = h + top + bottom, wp = w + left + right;
  Scratch out(size_t(n * hp * wp * c));
  parallel_for(n * hp, wp * c, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t b = r / hp, ih = r % hp - top;
      float* dst = out.data() + r * wp * c;
      if (ih < 0 || ih >= h) {
        std::memset(dst, 0, sizeof(float) * size_t(wp * c));
        continue;
      }
      std::memset(dst, 0, sizeof(float) * size_t(left * c));
      std::memcpy(dst + left * c, x + ((b * h + ih) * w) * c, sizeof(float) * size_t(w * c));
      std::memset(dst + (left + w) * c, 0, sizeof(float) * size_t(right * c));
    }
  });
  return out;
}

// y[n, oh, :, :] = bias + sum_ij xp[n, oh + i, ow + j, :] * w[i, j, :], xp padded.
void forward_padded(const float* xp, int64_t n_images, int64_t hp, int64_t wp, int64_t C, int64_t out_h,
                    int64_t out_w, const float* w, const float* bias, float* y) {
  parallel_for(n_images * out_h, out_w * C * kK * kK, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t n = r / out_h, oh = r % out_h;
      float* yrow = y + r * out_w * C;
      for (int64_t c0 = 0; c0 < C; c0 += 16) {
        const __m512 b = bias ? _mm512_loadu_ps(bias + c0) : _mm512_setzero_ps();
        for (int64_t ow0 = 0; ow0 < out_w; ow0 += kTile) {
          const int64_t tile = std::min<int64_t>(kTile, out_w - ow0);
          __m512 acc[kTile];
          for (int t = 0; t < kTile; ++t) acc[t] = b;
          for (int i = 0; i < kK; ++i) {
            const float* xr = xp + ((n * hp + oh + i) * wp + ow0) * C + c0;
            __m512 xv[kTile + kK - 1];
            for (int q = 0; q < kTile + kK - 1; ++q)
              xv[q] = q < tile + kK - 1 ? _mm512_loadu_ps(xr + q * C) : _mm512_setzero_ps();
            for (int j = 0; j < kK; ++j) {
              const __m512 wv = _mm512_loadu_ps(w + (i * kK + j) * C + c0);
              for (int t = 0; t < kTile; ++t) acc[t] = _mm512_fmadd_ps(xv[t + j], wv, acc[t]);
            }
          }
          for (int t = 0; t < tile; ++t) _mm512_storeu_ps(yrow + (ow0 + t) * C + c0, acc[t]);
        }
      }
    }
  });
}

}  // namespace

void depthwise7_forward(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y) {
  const int64_t bottom = g.out_h + kK - 1 - g.in_h - g.pad_h, right = g.out_w + kK - 1 - g.in_w - g.pad_w;
  const auto xp = pad_nhwc(x, g.batch, g.in_h, g.in_w, g.channels, g.pad_h, bottom, g.pad_w, right);
  forward_padded(xp.data(), g.batch, g.out_h + kK - 1, g.out_w + kK - 1, g.channels, g.out_h, g.out_w, w, bias, y);
}

void depthwise7_backward(const ConvGeometry& g, const float* gy, const float* x, const float* w, float* gx, float* gw,
                         float* gb) {
  const int64_t C = g.channels;
  if (gx) {
    // gx[ih, iw] = sum_ij gy[ih + p - i, iw + p - j] w[i, j]: pad gy by 6 - p on the low side.
    const int64_t top = kK - 1 - g.pad_h, left = kK - 1 - g.pad_w;
    const int64_t bottom = g.in_h + kK - 1 - top - g.out_h, right = g.in_w + kK - 1 - left - g.out_w;
    const auto gyp = pad_nhwc(gy, g.batch, g.out_h, g.out_w, C, top, bottom, left, right);
    std::vector<float> flipped(size_t(kK * kK * C));
    for (int i = 0; i < kK; ++i)
      for (int j = 0; j < kK; ++j)
        std::memcpy(flipped.data() + (i * kK + j) * C, w + ((kK - 1 - i) * kK + (kK - 1 - j)) * C, sizeof(float) * size_t(C));
    forward_padded(gyp.data(), g.batch, g.in_h + kK - 1, g.in_w + kK - 1, C, g.in_h, g.in_w, flipped.data(), nullptr, gx);
  }
  if (!gw && !gb) return;
  const int64_t hp = g.out_h + kK - 1, wp = g.out_w + kK - 1;
  const auto xp = pad_nhwc(x, g.batch, g.in_h, g.in_w, C, g.pad_h, hp - g.in_h - g.pad_h, g.pad_w, wp - g.in_w - g.pad_w);
  const int64_t rows = g.batch * g.out_h;
  const int threads = rows * g.out_w * C * kK * kK >= 2 * kParallelGrain ? omp_get_max_threads() : 1;
  std::vector<float> partial(size_t(threads) * size_t((kK * kK + 1) * C), 0.f);
#pragma omp parallel num_threads(threads)
  {
    const int th = omp_get_thread_num(), nt = omp_get_num_threads();
    float* pw = partial.data() + size_t(th) * size_t((kK * kK + 1) * C);
    float* pb = pw + kK * kK * C;
    for (int64_t r = th * rows / nt; r < (th + 1) * rows / nt; ++r) {
      const int64_t n = r / g.out_h, oh = r % g.out_h;
      const float* gyrow = gy + r * g.out_w * C;
      for (int64_t c0 = 0; c0 < C; c0 += 16) {
        __m512 bsum = _mm512_setzero_ps();
        for (int64_t ow = 0; ow < g.out_w; ++ow) bsum = _mm512_add_ps(bsum, _mm512_loadu_ps(gyrow + ow * C + c0));
        _mm512_storeu_ps(pb + c0, _mm512_add_ps(_mm512_loadu_ps(pb + c0), bsum));
        for (int i = 0; i < kK; ++i) {
          const float* xr = xp.data() + ((n * hp + oh + i) * wp) * C + c0;
          __m512 acc[kK];
          for (int j = 0; j < kK; ++j) acc[j] = _mm512_setzero_ps();
          for (int64_t ow = 0; ow < g.out_w; ++ow) {
            const __m512 gv = _mm512_loadu_ps(gyrow + ow * C + c0);
            for (int j = 0; j < kK; ++j) acc[j] = _mm512_fmadd_ps(gv, _mm512_loadu_ps(xr + (ow + j) * C), acc[j]);
          }
          for (int j = 0; j < kK; ++j) {
            float* dst = pw + (i * kK + j) * C + c0;
            _mm512_storeu_ps(dst, _mm512_add_ps(_mm512_loadu_ps(dst), acc[j]));
          }
        }
      }
    }
  }
  for (int64_t k = 0; k < (kK * kK + 1) * C; ++k) {
    float s = 0;
    for (int th = 0; th < threads; ++th) s += partial[size_t(th) * size_t((kK * kK + 1) * C) + size_t(k)];
    if (k < kK * kK * C) {
      if (gw) gw[k] = s;
    } else if (gb) {
      gb[k - kK * kK * C] = s;
    }
  }
}

#else

void depthwise7_forward(const ConvGeometry&, const float*, const float*, const float*, float*) {}
void depthwise7_backward(const ConvGeometry&, const float*, const float*, const float*, float*, float*, float*) {}

#endif

}  // namespace minitorch::kernels::cpu
