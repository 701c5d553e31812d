// Fused optimizer steps on CUDA: one pass over each parameter, with the per-element formulas of
// kernels/optim_math.hpp (the same as the CPU backend's).
#include "common.cuh"
#include "optim_math.hpp"

namespace minitorch::kernels::cuda_impl {

namespace {

template <class T>
__global__ void adam_kernel(int64_t n, T* p, const T* g, T* m, T* v, math::AdamConstants<T> k) {
  MT_GRID_STRIDE_LOOP(i, n) math::adam_update(p[i], g[i], m[i], v[i], k);
}

template <class T>
__global__ void sgd_kernel(int64_t n, T* p, const T* g, T* buf, math::SgdConstants<T> k) {
  MT_GRID_STRIDE_LOOP(i, n) math::sgd_update(p[i], g[i], buf ? buf + i : nullptr, k);
}

}  // namespace

void CudaBackend::adam_step(DType t, int64_t n, void* param, const void* grad, void* exp_avg, void* exp_avg_sq,
                            const AdamStep& s) {
  if (n == 0) return;
  // Parameters are float32 or float64 (master weights): 16-bit updates would round away.
  visit_floating_dtype(t, "adam_step", [&](auto tag) {
    using T = typename decltype(tag)::type;
    adam_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(n, static_cast<T*>(param), static_cast<const T*>(grad),
                                                          static_cast<T*>(exp_avg), static_cast<T*>(exp_avg_sq),
                                                          math::AdamConstants<T>(s));
  });
  MT_CUDA_LAUNCHED("adam_step kernel");
}

void CudaBackend::sgd_step(DType t, int64_t n, void* param, const void* grad, void* momentum_buffer,
                           const SgdStep& s) {
  if (n == 0) return;
  visit_floating_dtype(t, "sgd_step", [&](auto tag) {
    using T = typename decltype(tag)::type;
    sgd_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(n, static_cast<T*>(param), static_cast<const T*>(grad),
                                                         static_cast<T*>(momentum_buffer), math::SgdConstants<T>(s));
  });
  MT_CUDA_LAUNCHED("sgd_step kernel");
}

}  // namespace minitorch::kernels::cuda_impl
