#pragma once
#include "kernels.hpp"

namespace minitorch::kernels::cpu {
#if defined(__AVX512F__)
// C = alpha op(A) op(B) + beta C for one float32 matrix (see gemm_avx512.cpp). Parallel inside.
void gemm_f32_avx512(const GemmArgs& g, const float* a, const float* b, float* c);
#endif
}  // namespace minitorch::kernels::cpu
