// Convolutions over NHWC activations.
//
// Depthwise (groups = channels), the plain kernels (any size, stride, padding; the reference the
// AVX-512 7x7 kernels of depthwise_avx512.cpp are tested against): every channel is filtered on its own, so the channel dim is the
// innermost, contiguous one in x, y and the weight [kh, kw, C], and every loop over it is a
// plain vector loop. Each output pixel's channels are accumulated over all kh*kw taps in a small
// buffer of kBlock channels for kPixels neighbouring pixels, which stays in registers.
//
// im2col/col2im unfold the input so a general convolution becomes one GEMM (src/ops/nn.cpp).
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "cpu_backend.hpp"
#include "depthwise_avx512.hpp"
#include "loops.hpp"

namespace minitorch::kernels::cpu {

namespace {

constexpr int64_t kBlock = 16;  // channels per register-resident accumulator (one AVX-512 vector)
constexpr int64_t kPixels = 4;  // output pixels accumulated together, reusing each weight load

// y[n, oh, :, :] for one output row.
template <class T>
void depthwise_row(const ConvGeometry& g, const T* x, const T* w, const T* bias, T* y, int64_t n, int64_t oh) {
  const int64_t C = g.channels;
  const T* xn = x + n * g.in_h * g.in_w * C;
  T* yrow = y + ((n * g.out_h + oh) * g.out_w) * C;
  for (int64_t c0 = 0; c0 < C; c0 += kBlock) {
    const int64_t cl = std::min(kBlock, C - c0);
    for (int64_t ow0 = 0; ow0 < g.out_w; ow0 += kPixels) {
      const int64_t pixels = std::min(kPixels, g.out_w - ow0);
      T acc[kPixels][kBlock];
      for (int64_t p = 0; p < kPixels; ++p)
        for (int64_t c = 0; c < kBlock; ++c) acc[p][c] = (bias && c < cl) ? bias[c0 + c] : T(0);
      for (int64_t i = 0; i < g.kernel_h; ++i) {
        const int64_t ih = oh * g.stride_h - g.pad_h + i;
        if (ih < 0 || ih >= g.in_h) continue;
        const T* xrow = xn + ih * g.in_w * C + c0;
        for (int64_t j = 0; j < g.kernel_w; ++j) {
          const T* wv = w + (i * g.kernel_w + j) * C + c0;
          for (int64_t p = 0; p < pixels; ++p) {
            const int64_t iw = (ow0 + p) * g.stride_w - g.pad_w + j;
            if (iw < 0 || iw >= g.in_w) continue;
            const T* xv = xrow + iw * C;
            if (cl == kBlock) {
#pragma omp simd
              for (int64_t c = 0; c < kBlock; ++c) acc[p][c] += xv[c] * wv[c];
            } else {
              for (int64_t c = 0; c < cl; ++c) acc[p][c] += xv[c] * wv[c];
            }
          }
        }
      }
      for (int64_t p = 0; p < pixels; ++p) std::memcpy(yrow + (ow0 + p) * C + c0, acc[p], sizeof(T) * size_t(cl));
    }
  }
}

// gx[n, ih, :, :] for one input row: the taps that read (ih, iw) in the forward pass, gathered.
template <class T>
void depthwise_grad_input_row(const ConvGeometry& g, const T* gy, const T* w, T* gx, int64_t n, int64_t ih) {
  const int64_t C = g.channels;
  const T* gyn = gy + n * g.out_h * g.out_w * C;
  T* gxrow = gx + ((n * g.in_h + ih) * g.in_w) * C;
  for (int64_t c0 = 0; c0 < C; c0 += kBlock) {
    const int64_t cl = std::min(kBlock, C - c0);
    for (int64_t iw0 = 0; iw0 < g.in_w; iw0 += kPixels) {
      const int64_t pixels = std::min(kPixels, g.in_w - iw0);
      T acc[kPixels][kBlock] = {};
      for (int64_t i = 0; i < g.kernel_h; ++i) {
        const int64_t oh_scaled = ih + g.pad_h - i;  // = oh * stride_h
        if (oh_scaled < 0 || oh_scaled % g.stride_h) continue;
        const int64_t oh = oh_scaled / g.stride_h;
        if (oh >= g.out_h) continue;
        const T* gyrow = gyn + oh * g.out_w * C + c0;
        for (int64_t j = 0; j < g.kernel_w; ++j) {
          const T* wv = w + (i * g.kernel_w + j) * C + c0;
          for (int64_t p = 0; p < pixels; ++p) {
            const int64_t ow_scaled = iw0 + p + g.pad_w - j;
            if (ow_scaled < 0 || ow_scaled % g.stride_w) continue;
            const int64_t ow = ow_scaled / g.stride_w;
            if (ow >= g.out_w) continue;
            const T* gv = gyrow + ow * C;
            if (cl == kBlock) {
#pragma omp simd
              for (int64_t c = 0; c < kBlock; ++c) acc[p][c] += gv[c] * wv[c];
            } else {
              for (int64_t c = 0; c < cl; ++c) acc[p][c] += gv[c] * wv[c];
            }
          }
        }
      }
      for (int64_t p = 0; p < pixels; ++p) std::memcpy(gxrow + (iw0 + p) * C + c0, acc[p], sizeof(T) * size_t(cl));
    }
  }
}

// gw[i, j, :] += sum over one output row of gy[n, oh, ow, :] * x[n, ih, iw, :]; gb += gy.
template <class T>
void depthwise_grad_weight_row(const ConvGeometry& g, const T* gy, const T* x, T* gw, T* gb, int64_t n, int64_t oh) {
  const int64_t C = g.channels;
  const T* gyrow = gy + ((n * g.out_h + oh) * g.out_w) * C;
  const T* xn = x + n * g.in_h * g.in_w * C;
  if (gb)
    for (int64_t ow = 0; ow < g.out_w; ++ow) {
      const T* gv = gyrow + ow * C;
#pragma omp simd
      for (int64_t c = 0; c < C; ++c) gb[c] += gv[c];
    }
  if (!gw) return;
  for (int64_t i = 0; i < g.kernel_h; ++i) {
    const int64_t ih = oh * g.stride_h - g.pad_h + i;
    if (ih < 0 || ih >= g.in_h) continue;
    const T* xrow = xn + ih * g.in_w * C;
    for (int64_t j = 0; j < g.kernel_w; ++j) {
      T* gwv = gw + (i * g.kernel_w + j) * C;
      // Valid ow: 0 <= ow*s - p + j < in_w
      const int64_t ow_begin = std::max<int64_t>(0, (g.pad_w - j + g.stride_w - 1) / g.stride_w);
      const int64_t ow_end = std::min<int64_t>(g.out_w, (g.in_w + g.pad_w - j + g.stride_w - 1) / g.stride_w);
      for (int64_t ow = ow_begin; ow < ow_end; ++ow) {
        const T* gv = gyrow + ow * C;
        const T* xv = xrow + (ow * g.stride_w - g.pad_w + j) * C;
#pragma omp simd
        for (int64_t c = 0; c < C; ++c) gwv[c] += gv[c] * xv[c];
      }
    }
  }
}

}  // namespace

void CpuBackend::depthwise_conv2d_forward(DType t, const ConvGeometry& g, const void* x, const void* weight,
                                          const void* bias, void* y) {
  if (depthwise7_fast_path(t, g))
    return depthwise7_forward(g, static_cast<const float*>(x), static_cast<const float*>(weight),
                              static_cast<const float*>(bias), static_cast<float*>(y));
  depthwise_plain_forward(t, g, x, weight, bias, y);
}

void depthwise_plain_forward(DType t, const ConvGeometry& g, const void* x, const void* weight, const void* bias,
                             void* y) {
  visit_floating_dtype(t, "depthwise_conv2d kernel", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const int64_t rows = g.batch * g.out_h;
    parallel_for(rows, g.out_w * g.channels * g.kernel_h * g.kernel_w, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r)
        depthwise_row(g, static_cast<const T*>(x), static_cast<const T*>(weight), static_cast<const T*>(bias),
                      static_cast<T*>(y), r / g.out_h, r % g.out_h);
    });
  });
}

void CpuBackend::depthwise_conv2d_backward(DType t, const ConvGeometry& g, const void* gy, const void* x,
                                           const void* weight, void* gx, void* gweight, void* gbias) {
  if (depthwise7_fast_path(t, g))
    return depthwise7_backward(g, static_cast<const float*>(gy), static_cast<const float*>(x),
                               static_cast<const float*>(weight), static_cast<float*>(gx), static_cast<float*>(gweight),
                               static_cast<float*>(gbias));
  depthwise_plain_backward(t, g, gy, x, weight, gx, gweight, gbias);
}

void depthwise_plain_backward(DType t, const ConvGeometry& g, const void* gy, const void* x, const void* weight,
                              void* gx, void* gweight, void* gbias) {
  visit_floating_dtype(t, "depthwise_conv2d_backward kernel", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* gyp = static_cast<const T*>(gy);
    const T* xp = static_cast<const T*>(x);
    const int64_t taps = g.kernel_h * g.kernel_w, C = g.channels;
    if (gx) {
      parallel_for(g.batch * g.in_h, g.in_w * C * taps, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r)
          depthwise_grad_input_row(g, gyp, static_cast<const T*>(weight), static_cast<T*>(gx), r / g.in_h, r % g.in_h);
      });
    }
    if (!gweight && !gbias) return;
    // Per-thread partial sums over output rows, added in thread order at the end.
    const int64_t rows = g.batch * g.out_h;
    const int threads = rows * g.out_w * C * taps >= 2 * kParallelGrain ? omp_get_max_threads() : 1;
    std::vector<T> partial(size_t(threads * (taps + 1) * C), T(0));
#pragma omp parallel num_threads(threads)
    {
      const int th = omp_get_thread_num(), nt = omp_get_num_threads();
      T* pw = partial.data() + th * (taps + 1) * C;
      for (int64_t r = th * rows / nt; r < (th + 1) * rows / nt; ++r)
        depthwise_grad_weight_row(g, gyp, xp, gweight ? pw : nullptr, gbias ? pw + taps * C : nullptr, r / g.out_h,
                                  r % g.out_h);
    }
    for (int64_t k = 0; k < (taps + 1) * C; ++k) {
      T s = 0;
      for (int th = 0; th < threads; ++th) s += partial[size_t(th * (taps + 1) * C + k)];
      if (k < taps * C) {
        if (gweight) static_cast<T*>(gweight)[k] = s;
      } else if (gbias) {
        static_cast<T*>(gbias)[k - taps * C] = s;
      }
    }
  });
}

void CpuBackend::im2col(DType t, const ConvGeometry& g, const void* x, void* cols) {
  const size_t esize = dtype_size(t), pixel = size_t(g.channels) * esize;
  const char* src = static_cast<const char*>(x);
  char* dst = static_cast<char*>(cols);
  const int64_t row_len = g.kernel_h * g.kernel_w;  // pixels per column row
  parallel_for(g.batch * g.out_h, g.out_w * row_len * g.channels, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t n = r / g.out_h, oh = r % g.out_h;
      for (int64_t ow = 0; ow < g.out_w; ++ow) {
        char* out = dst + size_t((r * g.out_w + ow) * row_len) * pixel;
        for (int64_t i = 0; i < g.kernel_h; ++i)
          for (int64_t j = 0; j < g.kernel_w; ++j, out += pixel) {
            const int64_t ih = oh * g.stride_h - g.pad_h + i, iw = ow * g.stride_w - g.pad_w + j;
            if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) std::memset(out, 0, pixel);
            else std::memcpy(out, src + size_t((n * g.in_h + ih) * g.in_w + iw) * pixel, pixel);
          }
      }
    }
  });
}

void CpuBackend::col2im(DType t, const ConvGeometry& g, const void* cols, void* gx) {
  visit_floating_dtype(t, "col2im kernel", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = static_cast<const T*>(cols);
    T* dst = static_cast<T*>(gx);
    const int64_t C = g.channels, row_len = g.kernel_h * g.kernel_w;
    std::fill(dst, dst + g.batch * g.in_h * g.in_w * C, T(0));
    // Parallel over images only: windows of one image overlap, different images never do.
    parallel_for(g.batch, g.out_h * g.out_w * row_len * C, [&](int64_t begin, int64_t end) {
      for (int64_t n = begin; n < end; ++n)
        for (int64_t oh = 0; oh < g.out_h; ++oh)
          for (int64_t ow = 0; ow < g.out_w; ++ow) {
            const T* col = src + ((n * g.out_h + oh) * g.out_w + ow) * row_len * C;
            for (int64_t i = 0; i < g.kernel_h; ++i)
              for (int64_t j = 0; j < g.kernel_w; ++j, col += C) {
                const int64_t ih = oh * g.stride_h - g.pad_h + i, iw = ow * g.stride_w - g.pad_w + j;
                if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) continue;
                T* out = dst + ((n * g.in_h + ih) * g.in_w + iw) * C;
#pragma omp simd
                for (int64_t c = 0; c < C; ++c) out[c] += col[c];
              }
          }
    });
  });
}

}  // namespace minitorch::kernels::cpu
