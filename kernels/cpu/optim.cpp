// Optimizer updates, one fused pass over each parameter; the per-element formulas are in
// kernels/optim_math.hpp, shared with the CUDA backend.
#include <cmath>

#include "cpu_backend.hpp"
#include "loops.hpp"
#include "optim_math.hpp"

namespace minitorch::kernels::cpu {

void CpuBackend::adam_step(DType t, int64_t n, void* param, const void* grad, void* exp_avg, void* exp_avg_sq,
                           const AdamStep& s) {
  visit_floating_dtype(t, "adam_step kernel", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = static_cast<T*>(param);
    const T* g = static_cast<const T*>(grad);
    T* m = static_cast<T*>(exp_avg);
    T* v = static_cast<T*>(exp_avg_sq);
    const math::AdamConstants<T> k(s);
    parallel_for(n, 8, [&](int64_t begin, int64_t end) {
#pragma omp simd
      for (int64_t i = begin; i < end; ++i) math::adam_update(p[i], g[i], m[i], v[i], k);
    });
  });
}

void CpuBackend::sgd_step(DType t, int64_t n, void* param, const void* grad, void* momentum_buffer, const SgdStep& s) {
  visit_floating_dtype(t, "sgd_step kernel", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = static_cast<T*>(param);
    const T* g = static_cast<const T*>(grad);
    T* buf = static_cast<T*>(momentum_buffer);
    const math::SgdConstants<T> k(s);
    parallel_for(n, 4, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) math::sgd_update(p[i], g[i], buf ? buf + i : nullptr, k);
    });
  });
}

}  // namespace minitorch::kernels::cpu
