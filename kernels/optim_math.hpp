#pragma once
// One optimizer update of one element, shared by the CPU and CUDA backends. The arithmetic
// follows torch.optim's single-tensor implementations operation by operation (same order, same
// roundings), so the results agree with PyTorch's to float precision.
#include <cmath>

#include "kernels.hpp"
#include "scalar_math.hpp"  // MT_HOST_DEVICE

namespace minitorch::kernels::math {

// The per-step constants of Adam/AdamW in the parameter's type T.
template <class T>
struct AdamConstants {
  T step_size, bias_correction2_sqrt, beta1, beta2, one_minus_beta1, one_minus_beta2, eps, weight_decay, decay;
  bool coupled, decoupled;

  explicit AdamConstants(const AdamStep& s)
      : step_size(T(s.lr / (1 - std::pow(s.beta1, double(s.step))))),
        bias_correction2_sqrt(T(std::sqrt(1 - std::pow(s.beta2, double(s.step))))),
        beta1(T(s.beta1)), beta2(T(s.beta2)), one_minus_beta1(T(1 - s.beta1)), one_minus_beta2(T(1 - s.beta2)),
        eps(T(s.eps)), weight_decay(T(s.weight_decay)), decay(T(1 - s.lr * s.weight_decay)),
        coupled(s.weight_decay != 0 && !s.decoupled_weight_decay),
        decoupled(s.weight_decay != 0 && s.decoupled_weight_decay) {}
};

template <class T>
MT_HOST_DEVICE inline void adam_update(T& p, T g, T& m, T& v, const AdamConstants<T>& k) {
  if (k.decoupled) p = p * k.decay;                  // AdamW: p *= 1 - lr * wd
  const T gi = k.coupled ? g + k.weight_decay * p : g;  // Adam: g += wd * p
  m = m * k.beta1 + k.one_minus_beta1 * gi;          // m = b1 m + (1 - b1) g
  v = v * k.beta2 + k.one_minus_beta2 * gi * gi;     // v = b2 v + (1 - b2) g^2
  const T denom = std::sqrt(v) / k.bias_correction2_sqrt + k.eps;  // sqrt(v / (1 - b2^t)) + eps
  p = p - k.step_size * m / denom;                   // p -= lr / (1 - b1^t) * m / denom
}

// The per-step constants of SGD in the parameter's type T.
template <class T>
struct SgdConstants {
  T lr, momentum, one_minus_dampening, weight_decay;
  bool has_momentum, has_weight_decay, nesterov, first;

  explicit SgdConstants(const SgdStep& s)
      : lr(T(s.lr)), momentum(T(s.momentum)), one_minus_dampening(T(1 - s.dampening)), weight_decay(T(s.weight_decay)),
        has_momentum(s.momentum != 0), has_weight_decay(s.weight_decay != 0), nesterov(s.nesterov), first(s.first) {}
};

// SGD with momentum, dampening, weight decay and Nesterov; `buf` is unused without momentum.
template <class T>
MT_HOST_DEVICE inline void sgd_update(T& p, T g, T* buf, const SgdConstants<T>& k) {
  T d = k.has_weight_decay ? g + k.weight_decay * p : g;
  if (k.has_momentum) {
    *buf = k.first ? d : *buf * k.momentum + k.one_minus_dampening * d;  // torch: the first buffer is the gradient
    d = k.nesterov ? d + k.momentum * *buf : *buf;
  }
  p = p - k.lr * d;
}

}  // namespace minitorch::kernels::math
