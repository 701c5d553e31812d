#pragma once
// The random number formulas shared by every backend (plain functions, usable from CUDA too).
#include <cmath>
#include <cstdint>

#include "kernels.hpp"
#include "scalar_math.hpp"  // MT_HOST_DEVICE

namespace minitorch::kernels {

// SplitMix64's finaliser: a bijection on 64-bit words that mixes every bit into every other.
MT_HOST_DEVICE inline uint64_t mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

// The counter-th word of the stream of `seed` (SplitMix64 started at a seed-dependent key).
MT_HOST_DEVICE inline uint64_t random_bits(uint64_t seed, uint64_t counter) {
  return mix64(mix64(seed) + (counter + 1) * 0x9e3779b97f4a7c15ull);
}

// Uniform in [0, 1) with 53 random bits.
MT_HOST_DEVICE inline double uniform01(uint64_t seed, uint64_t counter) {
  return double(random_bits(seed, counter) >> 11) * 0x1.0p-53;
}

// Box-Muller from two independent words of the stream (counter 2i and 2i+1, stream seed+1 so
// it does not share words with uniform draws of the same counter).
MT_HOST_DEVICE inline double standard_normal(uint64_t seed, uint64_t counter) {
  const double u1 = double((random_bits(seed + 1, 2 * counter) >> 11) + 1) * 0x1.0p-53;  // (0, 1]
  const double u2 = double(random_bits(seed + 1, 2 * counter + 1) >> 11) * 0x1.0p-53;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

// erf^-1 by M. Giles' polynomial, then two Newton steps to double precision.
MT_HOST_DEVICE inline double erfinv(double x) {
  if (x <= -1) return -INFINITY;
  if (x >= 1) return INFINITY;
  double w = -std::log((1.0 - x) * (1.0 + x)), p;
  if (w < 5.0) {
    w -= 2.5;
    p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w; p = -3.5233877e-06 + p * w; p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w;  p = -0.00125372503 + p * w; p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;    p = 1.50140941 + p * w;
  } else {
    w = std::sqrt(w) - 3.0;
    p = -0.000200214257;
    p = 0.000100950558 + p * w; p = 0.00134934322 + p * w; p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;  p = -0.0076224613 + p * w; p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;     p = 2.83297682 + p * w;
  }
  double y = p * x;
  for (int i = 0; i < 2; ++i) y -= (std::erf(y) - x) / (1.1283791670955126 * std::exp(-y * y));
  return y;
}

// Phi(v), the standard normal CDF.
MT_HOST_DEVICE inline double normal_cdf(double v) { return 0.5 * (1.0 + std::erf(v / 1.4142135623730951)); }

// N(0, 1) conditioned on [lo, hi], by inverting the CDF (as torch.nn.init.trunc_normal_ does);
// cdf_lo and cdf_hi are normal_cdf(lo) and normal_cdf(hi), computed once per fill.
MT_HOST_DEVICE inline double truncated_standard_normal(uint64_t seed, uint64_t counter, double lo, double hi,
                                                       double cdf_lo, double cdf_hi) {
  const double u = (2 * cdf_lo - 1) + (2 * cdf_hi - 2 * cdf_lo) * uniform01(seed, counter);
  const double v = erfinv(u) * 1.4142135623730951;
  return v < lo ? lo : (v > hi ? hi : v);
}

// One draw of `dist` for element `counter` (Uniform [a, b), Normal(a, b), TruncNormal on
// [a, b] with cdf_lo/cdf_hi = normal_cdf(a)/normal_cdf(b), RandInt in [a, b)).
MT_HOST_DEVICE inline double random_draw(Distribution dist, uint64_t seed, uint64_t counter, double a, double b,
                                         double cdf_lo, double cdf_hi) {
  switch (dist) {
    case Distribution::Uniform: return a + (b - a) * uniform01(seed, counter);
    case Distribution::Normal: return a + b * standard_normal(seed, counter);
    case Distribution::TruncNormal: return truncated_standard_normal(seed, counter, a, b, cdf_lo, cdf_hi);
    case Distribution::RandInt: return std::floor(a + (b - a) * uniform01(seed, counter));
  }
  return 0;
}

}  // namespace minitorch::kernels
