// Optimizer updates, one fused pass over each parameter. The arithmetic follows torch.optim's
// single-tensor implementations operation by operation (same order, same roundings), so the
// results agree with PyTorch's to float precision.
#include <cmath>

#include "cpu_backend.hpp"
#include "loops.hpp"

namespace minitorch::kernels::cpu {

void CpuBackend::adam_step(DType t, int64_t n, void* param, const void* grad, void* exp_avg, void* exp_avg_sq,
                           const AdamStep& s) {
  visit_floating_dtype(t, "adam_step kernel", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = static_cast<T*>(param);
    const T* g = static_cast<const T*>(grad);
    T* m = static_cast<T*>(exp_avg);
    T* v = static_cast<T*>(exp_avg_sq);
    const double bias_correction1 = 1 - std::pow(s.beta1, double(s.step));
    const double bias_correction2_sqrt = std::sqrt(1 - std::pow(s.beta2, double(s.step)));
    const T step_size = T(s.lr / bias_correction1), bc2 = T(bias_correction2_sqrt);
    const T b1 = T(s.beta1), b2 = T(s.beta2), one_b1 = T(1 - s.beta1), one_b2 = T(1 - s.beta2), eps = T(s.eps);
    const T wd = T(s.weight_decay), decay = T(1 - s.lr * s.weight_decay);
    const bool coupled = s.weight_decay != 0 && !s.decoupled_weight_decay;
    const bool decoupled = s.weight_decay != 0 && s.decoupled_weight_decay;
    parallel_for(n, 8, [&](int64_t begin, int64_t end) {
#pragma omp simd
      for (int64_t i = begin; i < end; ++i) {
        if (decoupled) p[i] = p[i] * decay;             // AdamW: p *= 1 - lr * wd
        const T gi = coupled ? g[i] + wd * p[i] : g[i];  // Adam: g += wd * p
        m[i] = m[i] * b1 + one_b1 * gi;                  // m = b1 m + (1 - b1) g
        v[i] = v[i] * b2 + one_b2 * gi * gi;             // v = b2 v + (1 - b2) g^2
        const T denom = std::sqrt(v[i]) / bc2 + eps;     // sqrt(v / (1 - b2^t)) + eps
        p[i] = p[i] - step_size * m[i] / denom;          // p -= lr / (1 - b1^t) * m / denom
      }
    });
  });
}

void CpuBackend::sgd_step(DType t, int64_t n, void* param, const void* grad, void* momentum_buffer, const SgdStep& s) {
  visit_floating_dtype(t, "sgd_step kernel", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* p = static_cast<T*>(param);
    const T* g = static_cast<const T*>(grad);
    T* buf = static_cast<T*>(momentum_buffer);
    const T lr = T(s.lr), mu = T(s.momentum), damp = T(1 - s.dampening), wd = T(s.weight_decay);
    parallel_for(n, 4, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        T d = s.weight_decay != 0 ? g[i] + wd * p[i] : g[i];
        if (s.momentum != 0) {
          buf[i] = s.first ? d : buf[i] * mu + damp * d;  // torch: the first buffer is the gradient
          d = s.nesterov ? d + mu * buf[i] : buf[i];
        }
        p[i] = p[i] - lr * d;
      }
    });
  });
}

}  // namespace minitorch::kernels::cpu
