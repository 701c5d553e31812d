#pragma once
#include "kernels.hpp"

// bfloat16 products on the CPU's AVX512_BF16 dot products (vdpbf16ps), where the build targets them.
#if defined(__AVX512F__) && defined(__AVX512BW__) && defined(__AVX512BF16__)
#define MINITORCH_GEMM_BF16 1
#else
#define MINITORCH_GEMM_BF16 0
#endif

namespace minitorch::kernels::cpu {
#if defined(__AVX512F__)
// C = alpha op(A) op(B) + beta C for one float32 matrix (see gemm_avx512.cpp). Parallel inside.
void gemm_f32_avx512(const GemmArgs& g, const float* a, const float* b, float* c);
#endif
#if MINITORCH_GEMM_BF16
// The same with bfloat16 A and B and a float32 C: float32 sums of exact products of pairs
// (vdpbf16ps treats subnormal inputs and results as zero).
void gemm_bf16_avx512(const GemmArgs& g, const BFloat16* a, const BFloat16* b, float* c);
#endif
}  // namespace minitorch::kernels::cpu
