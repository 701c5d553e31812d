// Random numbers on CUDA: element i gets the numbers of counter offset + i of the stream `seed`,
// through the formulas of kernels/random_bits.hpp, so a GPU tensor holds the numbers the CPU
// backend draws for the same generator state: the same bits for uniform and integer draws (this
// file is built with --fmad=false, the CPU's twin with -ffp-contract=off, so that no multiply-add
// is fused on either side), and within an ulp or two for normal ones (CUDA's log and cos round
// differently from glibc's).
#include <cmath>

#include "common.cuh"
#include "random_bits.hpp"

namespace minitorch::kernels::cuda_impl {

namespace {

template <class T>
__global__ void random_kernel(Distribution dist, int64_t n, T* out, uint64_t seed, uint64_t offset, double a, double b,
                              double cdf_lo, double cdf_hi) {
  MT_GRID_STRIDE_LOOP(i, n) {
    out[i] = convert<T>(random_draw(dist, seed, offset + uint64_t(i), a, b, cdf_lo, cdf_hi));
  }
}

}  // namespace

void CudaBackend::random(Distribution dist, DType t, const Strided& out, uint64_t seed, uint64_t offset, double a,
                         double b) {
  MT_CHECK(is_contiguous(out), "random kernel: output must be contiguous");
  const int64_t n = out.numel();
  if (n == 0) return;
  visit_device_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, bool>)
      random_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(dist, n, static_cast<T*>(out.data), seed, offset, a, b,
                                                              normal_cdf(a), normal_cdf(b));
    else
      detail::fail("random kernel: not defined for ", dtype_name(t));
  });
  MT_CUDA_LAUNCHED("random kernel");
}

}  // namespace minitorch::kernels::cuda_impl
