#pragma once
// Measures the machine's float32 FMA peak: every thread runs independent chains of fused
// multiply-adds on the widest vectors the build targets. GEMM results are reported against it.
#include <omp.h>

#include <chrono>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

namespace minitorch::bench {

inline double measure_fma_peak_gflops(double seconds = 0.3) {
  constexpr int kChains = 16;  // enough independent FMAs to cover latency x throughput
  const long iterations = 1 << 20;
  double best = 0;
  for (int repeat = 0; repeat < 3; ++repeat) {
    const auto start = std::chrono::steady_clock::now();
    long rounds = 0;
    double elapsed = 0;
    do {
      float sink = 0;
#pragma omp parallel reduction(+ : sink)
      {
#if defined(__AVX512F__)
        __m512 acc[kChains];
        for (int c = 0; c < kChains; ++c) acc[c] = _mm512_set1_ps(float(c));
        const __m512 m = _mm512_set1_ps(0.999999f), a = _mm512_set1_ps(1e-7f);
        for (long i = 0; i < iterations / 16; ++i)
          for (int c = 0; c < kChains; ++c) acc[c] = _mm512_fmadd_ps(acc[c], m, a);
        alignas(64) float lanes[16];
        for (int c = 0; c < kChains; ++c) {
          _mm512_store_ps(lanes, acc[c]);
          for (float v : lanes) sink += v;
        }
#elif defined(__AVX2__) && defined(__FMA__)
        __m256 acc[kChains];
        for (int c = 0; c < kChains; ++c) acc[c] = _mm256_set1_ps(float(c));
        const __m256 m = _mm256_set1_ps(0.999999f), a = _mm256_set1_ps(1e-7f);
        for (long i = 0; i < iterations / 8; ++i)
          for (int c = 0; c < kChains; ++c) acc[c] = _mm256_fmadd_ps(acc[c], m, a);
        alignas(32) float lanes[8];
        for (int c = 0; c < kChains; ++c) {
          _mm256_store_ps(lanes, acc[c]);
          for (float v : lanes) sink += v;
        }
#else
        float acc[kChains];
        for (int c = 0; c < kChains; ++c) acc[c] = float(c);
        for (long i = 0; i < iterations; ++i)
          for (int c = 0; c < kChains; ++c) acc[c] = acc[c] * 0.999999f + 1e-7f;
        for (int c = 0; c < kChains; ++c) sink += acc[c];
#endif
      }
      if (sink == 12345.f) rounds += 0;  // keep the work observable
      ++rounds;
      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    } while (elapsed < seconds);
    // per thread per round: iterations x kChains lanes-worth of FMAs of 2 flops each
    const double flops = double(rounds) * omp_get_max_threads() * double(iterations) * kChains * 2.0;
    best = std::max(best, flops / elapsed / 1e9);
  }
  return best;
}

}  // namespace minitorch::bench
