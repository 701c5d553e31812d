// A blocked float32 GEMM for AVX-512, in the style of BLIS/GotoBLAS:
//
//   for each NC-wide block of columns of C            (B block fits in L3)
//     for each KC-deep slice of the product            (pack B[kc x nc] into NR-wide panels)
//       for each MC-tall block of rows (threads split these)   (pack A[mc x kc] into MR-tall panels)
//         for each NR-wide panel, for each MR-tall panel: the micro-kernel
//
// The micro-kernel keeps a 12 x 32 tile of C in 24 zmm registers and, for every k, multiplies
// one column of the A panel (12 broadcasts) by one row of the B panel (2 vectors): 24 FMAs per
// 2 loads. Packing puts both operands in the order the micro-kernel reads them, whatever their
// original strides or transposition, so the micro-kernel is the only place that must be fast.
// kernels/cpu/reference.hpp has the triple loop this is tested against.
#if defined(__AVX512F__)

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "gemm_avx512.hpp"
#include "scratch.hpp"

namespace minitorch::kernels::cpu {

namespace {

constexpr int64_t kMR = 12, kNR = 32;
constexpr int64_t kKC = 256, kMC = 96, kNC = 3072;

// Packs rows [i0, i0 + mc) x cols [p0, p0 + kc) of op(A) into MR-tall panels, each stored
// k-major: panel[p * MR + r]. Rows past the end are zero.
void pack_a(const GemmArgs& g, const float* a, int64_t i0, int64_t mc, int64_t p0, int64_t kc, float* out) {
  for (int64_t ir = 0; ir < mc; ir += kMR) {
    const int64_t rows = std::min(kMR, mc - ir);
    float* panel = out + ir * kc;
    if (!g.trans_a) {
      for (int64_t r = 0; r < kMR; ++r) {
        if (r < rows) {
          const float* src = a + (i0 + ir + r) * g.lda + p0;
          for (int64_t p = 0; p < kc; ++p) panel[p * kMR + r] = src[p];
        } else {
          for (int64_t p = 0; p < kc; ++p) panel[p * kMR + r] = 0.f;
        }
      }
    } else {  // A stored k x m: a row of the panel is contiguous in memory
      for (int64_t p = 0; p < kc; ++p) {
        const float* src = a + (p0 + p) * g.lda + i0 + ir;
        for (int64_t r = 0; r < kMR; ++r) panel[p * kMR + r] = r < rows ? src[r] : 0.f;
      }
    }
  }
}

// Packs rows [p0, p0 + kc) x cols [j0, j0 + nc) of op(B) into NR-wide panels stored
// panel[p * NR + c]; columns past the end are zero. Panels are split between the threads.
void pack_b(const GemmArgs& g, const float* b, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float* out) {
  const int64_t panels = (nc + kNR - 1) / kNR;
#pragma omp for schedule(static)
  for (int64_t jp = 0; jp < panels; ++jp) {
    const int64_t jr = jp * kNR, cols = std::min(kNR, nc - jr);
    float* panel = out + jr * kc;
    if (!g.trans_b) {
      for (int64_t p = 0; p < kc; ++p) {
        const float* src = b + (p0 + p) * g.ldb + j0 + jr;
        float* dst = panel + p * kNR;
        if (cols == kNR) {
          std::memcpy(dst, src, sizeof(float) * kNR);
        } else {
          for (int64_t c = 0; c < kNR; ++c) dst[c] = c < cols ? src[c] : 0.f;
        }
      }
    } else {  // B stored n x k
      for (int64_t c = 0; c < kNR; ++c) {
        if (c < cols) {
          const float* src = b + (j0 + jr + c) * g.ldb + p0;
          for (int64_t p = 0; p < kc; ++p) panel[p * kNR + c] = src[p];
        } else {
          for (int64_t p = 0; p < kc; ++p) panel[p * kNR + c] = 0.f;
        }
      }
    }
  }
}

// C[0:rows, 0:cols] (row stride ldc) = alpha * A_panel B_panel + (first ? beta * C : C).
void micro_kernel(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int64_t rows, int64_t cols,
                  float alpha, float beta, bool first) {
  __m512 acc[kMR][2];
#pragma GCC unroll 12
  for (int r = 0; r < kMR; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
  for (int64_t p = 0; p < kc; ++p) {
    const __m512 b0 = _mm512_load_ps(b + p * kNR), b1 = _mm512_load_ps(b + p * kNR + 16);
#pragma GCC unroll 12
    for (int r = 0; r < kMR; ++r) {
      const __m512 av = _mm512_set1_ps(a[p * kMR + r]);
      acc[r][0] = _mm512_fmadd_ps(av, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(av, b1, acc[r][1]);
    }
  }
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(first ? beta : 1.f);
  const bool read_c = !first || beta != 0.f;
  // Masks cover a partial tile's columns; rows past `rows` are skipped.
  const __mmask16 m0 = cols >= 16 ? __mmask16(0xffff) : __mmask16((1u << cols) - 1);
  const __mmask16 m1 = cols >= 32 ? __mmask16(0xffff) : cols <= 16 ? __mmask16(0) : __mmask16((1u << (cols - 16)) - 1);
  for (int r = 0; r < kMR; ++r) {
    if (r >= rows) break;
    float* row = c + r * ldc;
    __m512 v0 = _mm512_mul_ps(va, acc[r][0]), v1 = _mm512_mul_ps(va, acc[r][1]);
    if (read_c) {
      v0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m0, row), v0);
      v1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m1, row + 16), v1);
    }
    _mm512_mask_storeu_ps(row, m0, v0);
    _mm512_mask_storeu_ps(row + 16, m1, v1);
  }
}

struct AlignedBuffer {
  float* data = nullptr;
  explicit AlignedBuffer(size_t floats) {
    data = static_cast<float*>(std::aligned_alloc(64, (floats * sizeof(float) + 63) / 64 * 64));
  }
  ~AlignedBuffer() { std::free(data); }
};

}  // namespace

void gemm_f32_avx512(const GemmArgs& g, const float* a, const float* b, float* c) {
  const float alpha = float(g.alpha), beta = float(g.beta);
  const int64_t nc_max = std::min(kNC, (g.n + kNR - 1) / kNR * kNR);
  const int64_t kc_max = std::min(kKC, g.k);
  Scratch packed_b(size_t(nc_max * kc_max));
  const int64_t m_blocks = (g.m + kMC - 1) / kMC;
  // Few row blocks but many columns (the dW products): split columns between threads instead.
  const int threads = omp_get_max_threads();
  const bool parallel = 2.0 * double(g.m) * double(g.n) * double(g.k) > 2e6;
#pragma omp parallel num_threads(parallel ? threads : 1)
  {
    AlignedBuffer packed_a(size_t(kMC * kc_max));
    for (int64_t j0 = 0; j0 < g.n; j0 += kNC) {
      const int64_t nc = std::min(kNC, g.n - j0);
      for (int64_t p0 = 0; p0 < g.k; p0 += kKC) {
        const int64_t kc = std::min(kKC, g.k - p0);
        pack_b(g, b, p0, kc, j0, nc, packed_b.data());  // omp for: ends with a barrier
        const bool first = p0 == 0;
        const int64_t n_panels = (nc + kNR - 1) / kNR;
        if (m_blocks >= omp_get_num_threads()) {
#pragma omp for schedule(dynamic, 1)
          for (int64_t ib = 0; ib < m_blocks; ++ib) {
            const int64_t i0 = ib * kMC, mc = std::min(kMC, g.m - i0);
            pack_a(g, a, i0, mc, p0, kc, packed_a.data);
            for (int64_t jp = 0; jp < n_panels; ++jp)
              for (int64_t ir = 0; ir < mc; ir += kMR)
                micro_kernel(kc, packed_a.data + ir * kc, packed_b.data() + jp * kNR * kc,
                             c + (i0 + ir) * g.ldc + j0 + jp * kNR, g.ldc, std::min(kMR, mc - ir),
                             std::min(kNR, nc - jp * kNR), alpha, beta, first);
          }
        } else {
          for (int64_t ib = 0; ib < m_blocks; ++ib) {
            const int64_t i0 = ib * kMC, mc = std::min(kMC, g.m - i0);
            pack_a(g, a, i0, mc, p0, kc, packed_a.data);  // every thread packs its own copy
#pragma omp for schedule(static)
            for (int64_t jp = 0; jp < n_panels; ++jp)
              for (int64_t ir = 0; ir < mc; ir += kMR)
                micro_kernel(kc, packed_a.data + ir * kc, packed_b.data() + jp * kNR * kc,
                             c + (i0 + ir) * g.ldc + j0 + jp * kNR, g.ldc, std::min(kMR, mc - ir),
                             std::min(kNR, nc - jp * kNR), alpha, beta, first);
          }
        }
#pragma omp barrier
      }
    }
  }
}

}  // namespace minitorch::kernels::cpu

#endif  // __AVX512F__
