#pragma once
// The per-element formulas shared by the CPU and CUDA backends: activations, their derivatives and
// the NaN-propagating maximum/minimum. Plain inline functions, compiled as host code by g++ and as
// host + device code by nvcc, so each formula is written once for every backend.
#include <cmath>

#if defined(__CUDACC__)
#define MT_HOST_DEVICE __host__ __device__
#else
#define MT_HOST_DEVICE
#endif

namespace minitorch::kernels::math {

constexpr double kSqrt2 = 1.4142135623730951;
constexpr double kInvSqrt2Pi = 0.3989422804014327;     // 1/sqrt(2 pi)
constexpr double kTwoOverSqrtPi = 1.1283791670955126;  // 2/sqrt(pi)
constexpr double kGeluTanhScale = 0.7978845608028654;  // sqrt(2/pi)
constexpr double kGeluTanhCubic = 0.044715;

// GELU, exact: x Phi(x) with Phi the standard normal CDF.
template <class T> MT_HOST_DEVICE inline T gelu(T x) { return T(0.5) * x * (T(1) + std::erf(x / T(kSqrt2))); }
// d/dx [x Phi(x)] = Phi(x) + x phi(x)
template <class T> MT_HOST_DEVICE inline T gelu_grad(T x) {
  const T cdf = T(0.5) * (T(1) + std::erf(x / T(kSqrt2)));
  const T pdf = T(kInvSqrt2Pi) * std::exp(T(-0.5) * x * x);
  return cdf + x * pdf;
}
// GELU, tanh approximation: 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3).
template <class T> MT_HOST_DEVICE inline T gelu_tanh(T x) {
  const T u = T(kGeluTanhScale) * (x + T(kGeluTanhCubic) * x * x * x);
  return T(0.5) * x * (T(1) + std::tanh(u));
}
// With t = tanh(u(x)): d/dx = 0.5 (1 + t) + 0.5 x (1 - t^2) u'(x),  u' = s (1 + 3 c x^2)
template <class T> MT_HOST_DEVICE inline T gelu_tanh_grad(T x) {
  const T u = T(kGeluTanhScale) * (x + T(kGeluTanhCubic) * x * x * x);
  const T t = std::tanh(u);
  const T du = T(kGeluTanhScale) * (T(1) + T(3 * kGeluTanhCubic) * x * x);
  return T(0.5) * (T(1) + t) + T(0.5) * x * (T(1) - t * t) * du;
}
template <class T> MT_HOST_DEVICE inline T sigmoid(T x) {
  // Written so that neither branch overflows: for x < 0 use e^x / (1 + e^x).
  if (x >= T(0)) return T(1) / (T(1) + std::exp(-x));
  const T e = std::exp(x);
  return e / (T(1) + e);
}
// d/dx erf(x) = 2/sqrt(pi) exp(-x^2)
template <class T> MT_HOST_DEVICE inline T erf_grad(T x) { return T(kTwoOverSqrtPi) * std::exp(-x * x); }

// NaN propagates, as torch.maximum and torch.minimum do.
template <class T> MT_HOST_DEVICE inline T maximum(T u, T v) {
  return u != u || v != v ? (u != u ? u : v) : (u > v ? u : v);
}
template <class T> MT_HOST_DEVICE inline T minimum(T u, T v) {
  return u != u || v != v ? (u != u ? u : v) : (u < v ? u : v);
}

}  // namespace minitorch::kernels::math
