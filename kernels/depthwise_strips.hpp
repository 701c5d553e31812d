#pragma once
// Register-blocked depthwise convolution with stride 1 and a square K x K kernel (ConvNeXt's 7x7),
// written once: the CUDA kernels run one work item per thread, and the tests run the same code on
// the CPU against the plain loops. Channels are the fastest index of the work items, so on the GPU
// the threads of a warp read neighbouring channels of one pixel (coalesced loads).
//
// A work item computes a strip of kStrip outputs of one row and one channel. For each tap row it
// loads the kStrip + K - 1 inputs under the strip into registers once and uses each for up to K
// outputs: (kStrip + K - 1) K loads for kStrip K^2 multiply-adds, where a thread per output loads
// once per multiply-add.
//
//   dst[n, r, q, c] = bias[c] + sum_ij src[n, r - pad_h + i, q - pad_w + j, c] * tap(i, j, c)
//
// The forward pass is this with src = x and tap(i, j) = w[i, j]. The input gradient of a stride-1
// convolution is the same sum over gy with the taps flipped, tap(i, j) = w[K-1-i, K-1-j], and the
// padding K-1-pad, which makes dst the input's size:
//   gx[ih, iw] = sum_ij gy[ih + pad - i, iw + pad - j] w[i, j].
// The weight gradient, gw[i, j, c] = sum over (n, r, q) of gy[n, r, q, c] x[n, r-pad+i, q-pad+j, c],
// uses the same strips: a work item sums the K^2 products of one channel over a chunk of rows,
// and the chunks' partial sums are added up afterwards (in a fixed order: deterministic).
#include <cstdint>

#include "scalar_math.hpp"  // MT_HOST_DEVICE

// Fully unrolled loops and inlined helpers keep the strip arrays in registers on the GPU.
#if defined(__CUDACC__)
#define MT_UNROLL _Pragma("unroll")
#define MT_STRIP_INLINE __host__ __device__ __forceinline__
#else
#define MT_UNROLL
#define MT_STRIP_INLINE inline
#endif

namespace minitorch::kernels::depthwise {

constexpr int kStrip = 8;

// src [batch, src_h, src_w, channels] -> dst [batch, dst_h, dst_w, channels], contiguous.
struct StripShape {
  int64_t batch = 0, src_h = 0, src_w = 0, dst_h = 0, dst_w = 0, channels = 0, pad_h = 0, pad_w = 0;
  bool flip = false;  // tap(i, j) = w[K-1-i, K-1-j] (the input gradient)
};

MT_HOST_DEVICE inline int64_t strips_per_row(const StripShape& s) { return (s.dst_w + kStrip - 1) / kStrip; }

// Work items of strip(): one per (n, r, strip, c).
MT_HOST_DEVICE inline int64_t strip_items(const StripShape& s) {
  return s.batch * s.dst_h * strips_per_row(s) * s.channels;
}

// in[u] = src[n, row, q0 - pad_w + u, c] for u < kStrip + K - 1, zero outside the image.
template <int K, class T>
MT_STRIP_INLINE void load_row(const StripShape& s, const T* src, int64_t n, int64_t row, int64_t q0, int64_t c,
                                    T (&in)[kStrip + K - 1]) {
  const T* base = src + (n * s.src_h + row) * s.src_w * s.channels + c;
  MT_UNROLL
  for (int u = 0; u < kStrip + K - 1; ++u) {
    const int64_t q = q0 - s.pad_w + u;
    in[u] = q >= 0 && q < s.src_w ? base[q * s.channels] : T(0);
  }
}

// One work item of the convolution above (bias may be null).
template <int K, class T>
MT_STRIP_INLINE void strip(const StripShape& s, const T* src, const T* w, const T* bias, T* dst, int64_t item) {
  const int64_t c = item % s.channels;
  int64_t rest = item / s.channels;
  const int64_t q0 = rest % strips_per_row(s) * kStrip;
  rest /= strips_per_row(s);
  const int64_t r = rest % s.dst_h, n = rest / s.dst_h;
  T acc[kStrip];
  MT_UNROLL
  for (int o = 0; o < kStrip; ++o) acc[o] = bias ? bias[c] : T(0);
  MT_UNROLL
  for (int i = 0; i < K; ++i) {
    const int64_t row = r - s.pad_h + i;
    if (row < 0 || row >= s.src_h) continue;
    T in[kStrip + K - 1];
    load_row<K>(s, src, n, row, q0, c, in);
    MT_UNROLL
    for (int j = 0; j < K; ++j) {
      const int tap = s.flip ? (K - 1 - i) * K + (K - 1 - j) : i * K + j;
      const T wt = w[tap * s.channels + c];
      MT_UNROLL
      for (int o = 0; o < kStrip; ++o) acc[o] += in[o + j] * wt;
    }
  }
  T* out = dst + ((n * s.dst_h + r) * s.dst_w + q0) * s.channels + c;
  MT_UNROLL
  for (int o = 0; o < kStrip; ++o)
    if (q0 + o < s.dst_w) out[o * s.channels] = acc[o];
}

// Weight gradient: src = x, dst = gy (shapes as in the forward pass). Work item (chunk, c) writes
// partial[chunk, i, j, c] = the sum of gy * x over output rows [chunk * rows_per_chunk, ...) of
// the batch's batch * dst_h rows.
MT_HOST_DEVICE inline int64_t weight_grad_chunks(const StripShape& s, int64_t rows_per_chunk) {
  return (s.batch * s.dst_h + rows_per_chunk - 1) / rows_per_chunk;
}

template <int K, class T>
MT_STRIP_INLINE void weight_grad_chunk(const StripShape& s, const T* x, const T* gy, int64_t rows_per_chunk,
                                             T* partial, int64_t item) {
  const int64_t c = item % s.channels, chunk = item / s.channels;
  const int64_t first = chunk * rows_per_chunk;
  const int64_t last = first + rows_per_chunk < s.batch * s.dst_h ? first + rows_per_chunk : s.batch * s.dst_h;
  T acc[K * K];
  MT_UNROLL
  for (int t = 0; t < K * K; ++t) acc[t] = T(0);
  for (int64_t out_row = first; out_row < last; ++out_row) {
    const int64_t n = out_row / s.dst_h, r = out_row % s.dst_h;
    for (int64_t q0 = 0; q0 < s.dst_w; q0 += kStrip) {
      T g[kStrip];
      const T* grad = gy + ((n * s.dst_h + r) * s.dst_w + q0) * s.channels + c;
      MT_UNROLL
      for (int o = 0; o < kStrip; ++o) g[o] = q0 + o < s.dst_w ? grad[o * s.channels] : T(0);
      MT_UNROLL
      for (int i = 0; i < K; ++i) {
        const int64_t row = r - s.pad_h + i;
        if (row < 0 || row >= s.src_h) continue;
        T in[kStrip + K - 1];
        load_row<K>(s, x, n, row, q0, c, in);
        MT_UNROLL
        for (int j = 0; j < K; ++j) {
          MT_UNROLL
          for (int o = 0; o < kStrip; ++o) acc[i * K + j] += g[o] * in[o + j];
        }
      }
    }
  }
  MT_UNROLL
  for (int t = 0; t < K * K; ++t) partial[(chunk * K * K + t) * s.channels + c] = acc[t];
}

}  // namespace minitorch::kernels::depthwise
