#pragma once
// Hand-written SIMD for the transcendental functions the compiler cannot vectorise on its own.
// Each has three versions chosen at compile time: AVX-512, AVX2+FMA, and plain C++.
//
// exp(x) = 2^n * e^r with n = round(x / ln 2) and r = x - n ln 2 in [-ln2/2, ln2/2]; e^r comes from
// a degree-6 polynomial (Cephes' expf coefficients), accurate to about 1 ulp in float32.
#include <cmath>
#include <cstdint>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace minitorch::kernels::cpu::simd {

namespace exp_constants {
constexpr float kLog2e = 1.44269504088896341f;
constexpr float kLn2Hi = 0.693359375f;       // ln 2 split in two so n*ln2 is exact in the high part
constexpr float kLn2Lo = -2.12194440e-4f;
constexpr float kP0 = 1.9875691500e-4f, kP1 = 1.3981999507e-3f, kP2 = 8.3334519073e-3f,
                kP3 = 4.1665795894e-2f, kP4 = 1.6666665459e-1f, kP5 = 5.0000001201e-1f;
constexpr float kMaxArg = 88.72283935546875f;  // ln(FLT_MAX): e^x overflows float above this
constexpr float kMinArg = -103.972084045410f;  // e^x is 0 in float below this
}  // namespace exp_constants

// The same polynomial as the vector versions, one value at a time (the tail of every array).
inline float exp_scalar(float x) {
  using namespace exp_constants;
  if (x > kMaxArg) return INFINITY;
  if (x < kMinArg) return 0.f;
  if (std::isnan(x)) return x;
  const float n = std::nearbyint(x * kLog2e);
  float r = x - n * kLn2Hi;
  r = r - n * kLn2Lo;
  float p = kP0;
  p = p * r + kP1; p = p * r + kP2; p = p * r + kP3; p = p * r + kP4; p = p * r + kP5;
  const float er = p * r * r + r + 1.f;
  return std::ldexp(er, int(n));
}

#if defined(__AVX512F__)
constexpr int kFloatLanes = 16;
inline __m512 exp(__m512 x) {
  using namespace exp_constants;
  // Clamp so scalef sees |n| <= 150 (beyond that its result is 0 or inf anyway). The constant
  // is the first operand so a NaN in x passes through (MAXPS returns the second one on NaN).
  x = _mm512_min_ps(_mm512_set1_ps(100.f), _mm512_max_ps(_mm512_set1_ps(kMinArg), x));
  const __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(kLog2e)),
                                        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Hi), x);
  r = _mm512_fnmadd_ps(n, _mm512_set1_ps(kLn2Lo), r);
  __m512 p = _mm512_set1_ps(kP0);
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP1));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP2));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP3));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP4));
  p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(kP5));
  const __m512 er = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.f));
  return _mm512_scalef_ps(er, n);  // er * 2^n, with correct underflow to subnormals and 0
}
#elif defined(__AVX2__) && defined(__FMA__)
constexpr int kFloatLanes = 8;
inline __m256 exp(__m256 x) {
  using namespace exp_constants;
  // 2^n is built from exponent bits, so n must stay within float's normal exponents.
  const __m256 overflow = _mm256_cmp_ps(x, _mm256_set1_ps(kMaxArg), _CMP_GT_OQ);
  x = _mm256_min_ps(_mm256_set1_ps(kMaxArg), _mm256_max_ps(_mm256_set1_ps(-86.f), x));  // n-1 >= -126
  const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(kLog2e)),
                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Hi), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(kLn2Lo), r);
  __m256 p = _mm256_set1_ps(kP0);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP1));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP2));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP3));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP4));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(kP5));
  const __m256 er = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.f));
  // 2^n as 2 * 2^(n-1): n reaches 128 near the top of the range, one past float's largest exponent.
  const __m256i bits = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(126)), 23);
  const __m256 scaled = _mm256_mul_ps(_mm256_mul_ps(er, _mm256_castsi256_ps(bits)), _mm256_set1_ps(2.f));
  return _mm256_blendv_ps(scaled, _mm256_set1_ps(INFINITY), overflow);
}
#else
constexpr int kFloatLanes = 1;
#endif

// GELU and its derivative through erf(z) = 1 - (a1 t + ... + a5 t^5) e^(-z^2), t = 1/(1 + p z)
// (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7, which 1 + erf absorbs at float precision).
namespace gelu_constants {
constexpr float kP = 0.3275911f, kA1 = 0.254829592f, kA2 = -0.284496736f, kA3 = 1.421413741f, kA4 = -1.453152027f,
                kA5 = 1.061405429f;
constexpr float kInvSqrt2 = 0.70710678118654752f, kInvSqrt2Pi = 0.3989422804014327f;
}  // namespace gelu_constants

#if defined(__AVX512F__)
// Returns 1 + erf(x / sqrt 2) = 2 Phi(x), and e^(-x^2/2) in *gauss.
inline __m512 two_phi(__m512 x, __m512* gauss) {
  using namespace gelu_constants;
  const __m512 z = _mm512_mul_ps(x, _mm512_set1_ps(kInvSqrt2));
  const __m512 a = _mm512_abs_ps(z);
  const __m512 t = _mm512_div_ps(_mm512_set1_ps(1.f), _mm512_fmadd_ps(_mm512_set1_ps(kP), a, _mm512_set1_ps(1.f)));
  __m512 poly = _mm512_set1_ps(kA5);
  poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(kA4));
  poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(kA3));
  poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(kA2));
  poly = _mm512_fmadd_ps(poly, t, _mm512_set1_ps(kA1));
  poly = _mm512_mul_ps(poly, t);
  const __m512 e = exp(_mm512_sub_ps(_mm512_setzero_ps(), _mm512_mul_ps(a, a)));  // e^(-z^2) = e^(-x^2/2)
  *gauss = e;
  const __m512 erf_abs = _mm512_fnmadd_ps(poly, e, _mm512_set1_ps(1.f));
  // erf is odd: 1 + erf(z) = 1 + erf|z| for z >= 0, 1 - erf|z| otherwise.
  const __mmask16 negative = _mm512_cmp_ps_mask(z, _mm512_setzero_ps(), _CMP_LT_OQ);
  return _mm512_mask_sub_ps(_mm512_add_ps(_mm512_set1_ps(1.f), erf_abs), negative, _mm512_set1_ps(1.f), erf_abs);
}
#endif

// y = x Phi(x) for n floats.
inline void gelu(const float* x, float* y, int64_t n) {
  int64_t i = 0;
#if defined(__AVX512F__)
  for (; i + 16 <= n; i += 16) {
    __m512 gauss;
    const __m512 v = _mm512_loadu_ps(x + i);
    _mm512_storeu_ps(y + i, _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(0.5f), v), two_phi(v, &gauss)));
  }
#endif
  for (; i < n; ++i) y[i] = 0.5f * x[i] * (1.f + std::erf(x[i] * gelu_constants::kInvSqrt2));
}

// gx = g (Phi(x) + x phi(x)) for n floats.
inline void gelu_grad(const float* x, const float* g, float* gx, int64_t n) {
  using namespace gelu_constants;
  int64_t i = 0;
#if defined(__AVX512F__)
  for (; i + 16 <= n; i += 16) {
    __m512 gauss;
    const __m512 v = _mm512_loadu_ps(x + i);
    const __m512 phi_cdf = _mm512_mul_ps(_mm512_set1_ps(0.5f), two_phi(v, &gauss));
    const __m512 d = _mm512_fmadd_ps(_mm512_mul_ps(v, _mm512_set1_ps(kInvSqrt2Pi)), gauss, phi_cdf);
    _mm512_storeu_ps(gx + i, _mm512_mul_ps(_mm512_loadu_ps(g + i), d));
  }
#endif
  for (; i < n; ++i) {
    const float cdf = 0.5f * (1.f + std::erf(x[i] * kInvSqrt2));
    gx[i] = g[i] * (cdf + x[i] * kInvSqrt2Pi * std::exp(-0.5f * x[i] * x[i]));
  }
}

// y[i] = exp(x[i] + shift) for i < n; returns the sum of the y[i] (softmax needs both).
inline float exp_shifted_sum(const float* x, float shift, float* y, int64_t n) {
  int64_t i = 0;
  float total = 0.f;
#if defined(__AVX512F__)
  __m512 acc = _mm512_setzero_ps();
  const __m512 s = _mm512_set1_ps(shift);
  for (; i + 16 <= n; i += 16) {
    const __m512 e = exp(_mm512_add_ps(_mm512_loadu_ps(x + i), s));
    _mm512_storeu_ps(y + i, e);
    acc = _mm512_add_ps(acc, e);
  }
  total = _mm512_reduce_add_ps(acc);
#elif defined(__AVX2__) && defined(__FMA__)
  __m256 acc = _mm256_setzero_ps();
  const __m256 s = _mm256_set1_ps(shift);
  for (; i + 8 <= n; i += 8) {
    const __m256 e = exp(_mm256_add_ps(_mm256_loadu_ps(x + i), s));
    _mm256_storeu_ps(y + i, e);
    acc = _mm256_add_ps(acc, e);
  }
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc);
  for (float v : lanes) total += v;
#endif
  for (; i < n; ++i) {
    y[i] = exp_scalar(x[i] + shift);
    total += y[i];
  }
  return total;
}

}  // namespace minitorch::kernels::cpu::simd
