// Counter-based random numbers: element i of a fill gets random_bits(seed, offset + i), a pure
// function of its position. Any thread may compute any element, so results never depend on the
// thread count, and a generator only has to remember (seed, offset).
#include "cpu_backend.hpp"
#include "loops.hpp"
#include "random_bits.hpp"

namespace minitorch::kernels::cpu {

void CpuBackend::random(Distribution dist, DType t, const Strided& out, uint64_t seed, uint64_t offset, double a,
                        double b) {
  const int64_t n = out.numel();
  MT_CHECK(is_contiguous(out), "random kernel: output must be contiguous");
  visit_compute_dtype(t, "random kernel", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* y = static_cast<T*>(out.data);
    const double cdf_lo = normal_cdf(a), cdf_hi = normal_cdf(b);
    parallel_for(n, 16, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) y[i] = T(random_draw(dist, seed, offset + uint64_t(i), a, b, cdf_lo, cdf_hi));
    });
  });
}

}  // namespace minitorch::kernels::cpu
