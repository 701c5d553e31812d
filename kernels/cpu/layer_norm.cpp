// LayerNorm over the last dim, forward and backward, one row at a time.
//
//   forward:  mean = sum(x)/C,  var = sum((x-mean)^2)/C,  rstd = 1/sqrt(var + eps)
//             xhat = (x - mean) * rstd,  y = xhat * w + b
//   backward: g = gy * w
//             gx = rstd * (g - mean(g) - xhat * mean(g * xhat))
//             gw = sum over rows of gy * xhat,  gb = sum over rows of gy
// Only mean and rstd are saved for backward (one number each per row); xhat is recomputed.
#include <omp.h>

#include <cmath>
#include <vector>

#include "cpu_backend.hpp"
#include "loops.hpp"

namespace minitorch::kernels::cpu {

namespace {

template <class T>
void forward_rows(const T* x, int64_t begin, int64_t end, int64_t cols, const T* w, const T* b, T eps, T* y, T* mean,
                  T* rstd) {
  for (int64_t r = begin; r < end; ++r) {
    const T* xr = x + r * cols;
    T* yr = y + r * cols;
    T sum = 0;
#pragma omp simd reduction(+ : sum)
    for (int64_t c = 0; c < cols; ++c) sum += xr[c];
    const T m = sum / T(cols);
    T ss = 0;
#pragma omp simd reduction(+ : ss)
    for (int64_t c = 0; c < cols; ++c) ss += (xr[c] - m) * (xr[c] - m);
    const T rs = T(1) / std::sqrt(ss / T(cols) + eps);
    if (w && b) {
#pragma omp simd
      for (int64_t c = 0; c < cols; ++c) yr[c] = (xr[c] - m) * rs * w[c] + b[c];
    } else {
#pragma omp simd
      for (int64_t c = 0; c < cols; ++c) yr[c] = (xr[c] - m) * rs * (w ? w[c] : T(1)) + (b ? b[c] : T(0));
    }
    if (mean) mean[r] = m;
    if (rstd) rstd[r] = rs;
  }
}

template <class T>
void backward_typed(const T* gy, const T* x, const T* mean, const T* rstd, const T* w, int64_t rows, int64_t cols,
                    T* gx, T* gw, T* gb) {
  // Each thread sums gw/gb over its own rows; the partial sums are added in thread order.
  const bool parallel = rows * cols >= 2 * kParallelGrain;
  const int threads = parallel ? omp_get_max_threads() : 1;
  std::vector<T> partial_w(size_t(threads * cols), T(0)), partial_b(size_t(threads * cols), T(0));
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t begin = t * rows / nt, end = (t + 1) * rows / nt;
    T* pw = partial_w.data() + t * cols;
    T* pb = partial_b.data() + t * cols;
    for (int64_t r = begin; r < end; ++r) {
      const T* gyr = gy + r * cols;
      const T* xr = x + r * cols;
      const T m = mean[r], rs = rstd[r];
      if (gx) {
        T sum_g = 0, sum_gx = 0;
#pragma omp simd reduction(+ : sum_g, sum_gx)
        for (int64_t c = 0; c < cols; ++c) {
          const T g = gyr[c] * (w ? w[c] : T(1));
          sum_g += g;
          sum_gx += g * (xr[c] - m) * rs;
        }
        const T mean_g = sum_g / T(cols), mean_gx = sum_gx / T(cols);
        T* gxr = gx + r * cols;
#pragma omp simd
        for (int64_t c = 0; c < cols; ++c) {
          const T g = gyr[c] * (w ? w[c] : T(1));
          gxr[c] = rs * (g - mean_g - (xr[c] - m) * rs * mean_gx);
        }
      }
      if (gw) {
#pragma omp simd
        for (int64_t c = 0; c < cols; ++c) pw[c] += gyr[c] * (xr[c] - m) * rs;
      }
      if (gb) {
#pragma omp simd
        for (int64_t c = 0; c < cols; ++c) pb[c] += gyr[c];
      }
    }
  }
  for (int64_t c = 0; c < cols; ++c) {
    T sw = 0, sb = 0;
    for (int t = 0; t < threads; ++t) {
      sw += partial_w[size_t(t * cols + c)];
      sb += partial_b[size_t(t * cols + c)];
    }
    if (gw) gw[c] = sw;
    if (gb) gb[c] = sb;
  }
}

}  // namespace

void CpuBackend::layer_norm_forward(DType t, const void* x, int64_t rows, int64_t cols, const void* weight,
                                    const void* bias, double eps, void* y, void* mean, void* rstd) {
  visit_floating_dtype(t, "layer_norm kernel", [&](auto tag) {
    using T = typename decltype(tag)::type;
    parallel_for(rows, cols * 4, [&](int64_t begin, int64_t end) {
      forward_rows(static_cast<const T*>(x), begin, end, cols, static_cast<const T*>(weight),
                   static_cast<const T*>(bias), T(eps), static_cast<T*>(y), static_cast<T*>(mean), static_cast<T*>(rstd));
    });
  });
}

void CpuBackend::layer_norm_backward(DType t, const void* gy, const void* x, const void* mean, const void* rstd,
                                     const void* weight, int64_t rows, int64_t cols, void* gx, void* gweight,
                                     void* gbias) {
  visit_floating_dtype(t, "layer_norm_backward kernel", [&](auto tag) {
    using T = typename decltype(tag)::type;
    backward_typed(static_cast<const T*>(gy), static_cast<const T*>(x), static_cast<const T*>(mean),
                   static_cast<const T*>(rstd), static_cast<const T*>(weight), rows, cols, static_cast<T*>(gx),
                   static_cast<T*>(gweight), static_cast<T*>(gbias));
  });
}

}  // namespace minitorch::kernels::cpu
