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

// Transposes the 16 x 16 floats of v in registers (row r becomes column r): pairs, then quads of
// neighbouring rows interleaved, then 128-bit lanes exchanged twice.
inline void transpose16x16(__m512 (&v)[16]) {
  __m512 pairs[16], quads[16], halves[16];
  for (int i = 0; i < 8; ++i) {
    pairs[2 * i] = _mm512_unpacklo_ps(v[2 * i], v[2 * i + 1]);
    pairs[2 * i + 1] = _mm512_unpackhi_ps(v[2 * i], v[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {
    const __m512d p0 = _mm512_castps_pd(pairs[4 * i]), p1 = _mm512_castps_pd(pairs[4 * i + 1]);
    const __m512d p2 = _mm512_castps_pd(pairs[4 * i + 2]), p3 = _mm512_castps_pd(pairs[4 * i + 3]);
    quads[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(p0, p2));
    quads[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(p0, p2));
    quads[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(p1, p3));
    quads[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(p1, p3));
  }
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 4; ++j) {
      halves[8 * i + j] = _mm512_shuffle_f32x4(quads[8 * i + j], quads[8 * i + j + 4], 0x88);
      halves[8 * i + j + 4] = _mm512_shuffle_f32x4(quads[8 * i + j], quads[8 * i + j + 4], 0xdd);
    }
  }
  for (int j = 0; j < 8; ++j) {
    v[j] = _mm512_shuffle_f32x4(halves[j], halves[j + 8], 0x88);
    v[j + 8] = _mm512_shuffle_f32x4(halves[j], halves[j + 8], 0xdd);
  }
}

// One MR-tall panel of a row-major (k contiguous) A: 16 columns of the 12 rows are loaded,
// transposed in registers (4 zero rows pad the square) and stored as 16 consecutive 12-float rows
// of the panel. A scalar gather would cost about as much as the products it feeds when n is
// small (ConvNeXt's C-wide outputs of 4C-deep products).
void pack_a_rows(const float* a, int64_t lda, int64_t rows, int64_t kc, float* panel) {
  int64_t p = 0;
  for (; p + 16 <= kc; p += 16) {
    __m512 v[16];
    for (int r = 0; r < 16; ++r) v[r] = r < rows ? _mm512_loadu_ps(a + r * lda + p) : _mm512_setzero_ps();
    transpose16x16(v);
    for (int q = 0; q < 16; ++q) _mm512_mask_storeu_ps(panel + (p + q) * kMR, __mmask16((1u << kMR) - 1), v[q]);
  }
  for (; p < kc; ++p)
    for (int64_t r = 0; r < kMR; ++r) panel[p * kMR + r] = r < rows ? a[r * lda + p] : 0.f;
}

// Packs rows [i0, i0 + mc) x cols [p0, p0 + kc) of op(A) into MR-tall panels, each stored
// k-major: panel[p * MR + r]. Rows past the end are zero.
void pack_a(const GemmArgs& g, const float* a, int64_t i0, int64_t mc, int64_t p0, int64_t kc, float* out) {
  for (int64_t ir = 0; ir < mc; ir += kMR) {
    const int64_t rows = std::min(kMR, mc - ir);
    float* panel = out + ir * kc;
    if (!g.trans_a) {
      pack_a_rows(a + (i0 + ir) * g.lda + p0, g.lda, rows, kc, panel);
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

// This thread's buffer for packed A panels, kept for the thread's life: a fresh 96 KiB buffer
// per call came back from the heap as new pages, a page fault per 4 KiB on every product.
float* packed_a_buffer() {
  struct Buffer {
    float* data = static_cast<float*>(std::aligned_alloc(64, size_t(kMC * kKC) * sizeof(float)));
    ~Buffer() { std::free(data); }
  };
  thread_local Buffer buffer;
  MT_CHECK(buffer.data != nullptr, "gemm: out of memory for a packing buffer");
  return buffer.data;
}

// C = alpha op(A) op(B) + beta C through the blocked loops above; `parallel`: the threads share
// the row blocks (or, when there are few, the column panels) of every depth slice.
void gemm_blocked(const GemmArgs& g, const float* a, const float* b, float* c, bool parallel) {
  const float alpha = float(g.alpha), beta = float(g.beta);
  const int64_t nc_max = std::min(kNC, (g.n + kNR - 1) / kNR * kNR);
  const int64_t kc_max = std::min(kKC, g.k);
  Scratch packed_b(size_t(nc_max * kc_max));
  const int64_t m_blocks = (g.m + kMC - 1) / kMC;
  // Few row blocks but many columns (the dW products): split columns between threads instead.
#pragma omp parallel num_threads(parallel ? omp_get_max_threads() : 1)
  {
    float* const packed_a = packed_a_buffer();
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
            pack_a(g, a, i0, mc, p0, kc, packed_a);
            for (int64_t jp = 0; jp < n_panels; ++jp)
              for (int64_t ir = 0; ir < mc; ir += kMR)
                micro_kernel(kc, packed_a + ir * kc, packed_b.data() + jp * kNR * kc,
                             c + (i0 + ir) * g.ldc + j0 + jp * kNR, g.ldc, std::min(kMR, mc - ir),
                             std::min(kNR, nc - jp * kNR), alpha, beta, first);
          }
        } else {
          for (int64_t ib = 0; ib < m_blocks; ++ib) {
            const int64_t i0 = ib * kMC, mc = std::min(kMC, g.m - i0);
            pack_a(g, a, i0, mc, p0, kc, packed_a);  // every thread packs its own copy
#pragma omp for schedule(static)
            for (int64_t jp = 0; jp < n_panels; ++jp)
              for (int64_t ir = 0; ir < mc; ir += kMR)
                micro_kernel(kc, packed_a + ir * kc, packed_b.data() + jp * kNR * kc,
                             c + (i0 + ir) * g.ldc + j0 + jp * kNR, g.ldc, std::min(kMR, mc - ir),
                             std::min(kNR, nc - jp * kNR), alpha, beta, first);
          }
        }
#pragma omp barrier
      }
    }
  }
}

// Products far deeper than they are wide (the weight gradients of the first stages: 384 x 96
// outputs summed over 100k positions) leave each depth slice too little work to share between
// threads. They are cut instead into depth chunks that threads take whole, each into its own
// partial C; the partials are then added in chunk order. The chunks depend on the shape alone,
// so the result does not depend on the number of threads.
constexpr int64_t kMaxChunks = 32;
int64_t depth_chunks(const GemmArgs& g) {
  const int64_t chunks = std::min(kMaxChunks, g.k / (16 * kKC));
  const bool small_output = g.m * g.n * chunks <= (int64_t(1) << 24);  // partials under 64 MiB
  return chunks >= 4 && small_output ? chunks : 1;
}

void gemm_depth_chunks(const GemmArgs& g, const float* a, const float* b, float* c, int64_t chunks) {
  const int64_t depth = (g.k + chunks - 1) / chunks, mn = g.m * g.n;
  Scratch partials(size_t(chunks * mn));
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t q = 0; q < chunks; ++q) {
    // No chunk is empty: each is at least 4096 deep, and there are at most 32 of them.
    const int64_t k0 = q * depth, k1 = std::min(g.k, k0 + depth);
    GemmArgs part = g;
    part.k = k1 - k0;
    part.alpha = 1;
    part.beta = 0;
    part.ldc = g.n;
    gemm_blocked(part, a + (g.trans_a ? k0 * g.lda : k0), b + (g.trans_b ? k0 : k0 * g.ldb),
                 partials.data() + q * mn, false);
  }
  const float alpha = float(g.alpha), beta = float(g.beta);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < g.m; ++i) {
    float* sum = partials.data() + i * g.n;  // chunk 0's row gathers the others, in order
    for (int64_t q = 1; q < chunks; ++q) {
      const float* part = partials.data() + q * mn + i * g.n;
      for (int64_t j = 0; j < g.n; ++j) sum[j] += part[j];
    }
    float* row = c + i * g.ldc;
    if (beta == 0.f) {  // C is not read: it may hold anything
      for (int64_t j = 0; j < g.n; ++j) row[j] = alpha * sum[j];
    } else {
      for (int64_t j = 0; j < g.n; ++j) row[j] = alpha * sum[j] + beta * row[j];
    }
  }
}

}  // namespace

void gemm_f32_avx512(const GemmArgs& g, const float* a, const float* b, float* c) {
  if (const int64_t chunks = depth_chunks(g); chunks > 1) return gemm_depth_chunks(g, a, b, c, chunks);
  gemm_blocked(g, a, b, c, 2.0 * double(g.m) * double(g.n) * double(g.k) > 2e6);
}

}  // namespace minitorch::kernels::cpu

#endif  // __AVX512F__
