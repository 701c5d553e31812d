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
//
// The same loops multiply bfloat16 operands (autocast) where the CPU has AVX512_BF16: packing
// then stores pairs of neighbouring k, and the micro-kernel's vdpbf16ps multiplies a pair of A by
// a pair of B and adds both products to float32 accumulators, twice an FMA's work per
// instruction. Only packing and the micro-kernel differ; the loops take them as a Panels type.
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

// Copies 32-bit words transposed: word p of source row r (at most 16 rows, `row_bytes` apart)
// goes to word p * stride + r of `out`, for p < words and r < width; rows past `rows` give zeros.
// Sixteen words of every row are loaded at a time and transposed in registers. A word is a
// float32 element, or a pair of neighbouring bfloat16 elements. This packs a row-major (k
// contiguous) A, where a scalar gather would cost about as much as the products it feeds when n
// is small (ConvNeXt's C-wide outputs of 4C-deep products).
void pack_words(const void* src, int64_t row_bytes, int64_t rows, int64_t words, int width, int64_t stride,
                void* out) {
  const char* in = static_cast<const char*>(src);
  char* dst = static_cast<char*>(out);
  const __mmask16 keep = __mmask16((1u << width) - 1);
  int64_t p = 0;
  for (; p + 16 <= words; p += 16) {
    __m512 v[16];
    for (int r = 0; r < 16; ++r) v[r] = r < rows ? _mm512_loadu_ps(in + r * row_bytes + 4 * p) : _mm512_setzero_ps();
    transpose16x16(v);
    for (int q = 0; q < 16; ++q) _mm512_mask_storeu_ps(dst + 4 * (p + q) * stride, keep, v[q]);
  }
  for (; p < words; ++p)
    for (int r = 0; r < width; ++r) {
      uint32_t word = 0;
      if (r < rows) std::memcpy(&word, in + r * row_bytes + 4 * p, 4);
      std::memcpy(dst + 4 * (p * stride + r), &word, 4);
    }
}

// C[0:rows, 0:cols] (row stride ldc) = alpha * acc + (first ? beta * C : C), acc a 12 x 32 tile.
void store_tile(const __m512 (&acc)[kMR][2], float* c, int64_t ldc, int64_t rows, int64_t cols, float alpha,
                float beta, bool first) {
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

// ---- float32 operands ----------------------------------------------------------------------------
struct Float32Panels {
  using Elem = float;
  static constexpr int64_t kSlice = kKC;  // k per packed slice
  // Elements of one panel row per kc-deep slice: here one per k.
  static int64_t depth(int64_t kc) { return kc; }

  // Packs rows [i0, i0 + mc) x cols [p0, p0 + kc) of op(A) into MR-tall panels, each stored
  // k-major: panel[p * MR + r]. Rows past the end are zero.
  static void pack_a(const GemmArgs& g, const float* a, int64_t i0, int64_t mc, int64_t p0, int64_t kc, float* out) {
    for (int64_t ir = 0; ir < mc; ir += kMR) {
      const int64_t rows = std::min(kMR, mc - ir);
      float* panel = out + ir * kc;
      if (!g.trans_a) {
        pack_words(a + (i0 + ir) * g.lda + p0, g.lda * 4, rows, kc, kMR, kMR, panel);
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
  static void pack_b(const GemmArgs& g, const float* b, int64_t p0, int64_t kc, int64_t j0, int64_t nc, float* out) {
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
  static void micro_kernel(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, int64_t rows,
                           int64_t cols, float alpha, float beta, bool first) {
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
    store_tile(acc, c, ldc, rows, cols, alpha, beta, first);
  }
};

#if MINITORCH_GEMM_BF16
// ---- bfloat16 operands (their bits as uint16_t) --------------------------------------------------
// A panel row holds pairs: panel[(p / 2) * 2 * W + 2 * r + p % 2] for element (r, p) of a W-wide
// panel (W = MR for A, NR for B), so that the 32-bit word at pair q, row r is (x[2q], x[2q + 1]),
// what vdpbf16ps multiplies at once. An odd kc is padded with a zero.
struct Bf16Panels {
  using Elem = uint16_t;
  static constexpr int64_t kSlice = 2 * kKC;  // the bytes of float32's slice: panels stay in L1
  static int64_t depth(int64_t kc) { return (kc + 1) / 2 * 2; }

  // out[2c] = row0[c] and out[2c + 1] = row1[c] (0 where row1 is null) for c < n, zeros up to c <
  // width (12 or 32): two rows of memory interleaved into one pair row of a panel.
  static void interleave_rows(const uint16_t* row0, const uint16_t* row1, int64_t n, int width, uint16_t* out) {
    // Lane 2c of the result takes element c of x0, lane 2c + 1 element c of x1 (index 32 + c).
    static const __m512i low_half = pair_indices(0), high_half = pair_indices(16);
    const __mmask32 valid = n >= 32 ? ~__mmask32(0) : __mmask32((uint32_t(1) << n) - 1);
    const __m512i x0 = _mm512_maskz_loadu_epi16(valid, row0);
    const __m512i x1 = row1 ? _mm512_maskz_loadu_epi16(valid, row1) : _mm512_setzero_si512();
    const __m512i low = _mm512_permutex2var_epi16(x0, low_half, x1);
    if (width < 16) {
      _mm512_mask_storeu_epi16(out, __mmask32((uint32_t(1) << (2 * width)) - 1), low);
    } else {
      _mm512_storeu_si512(out, low);
      _mm512_storeu_si512(out + 32, _mm512_permutex2var_epi16(x0, high_half, x1));
    }
  }
  static __m512i pair_indices(int first) {
    alignas(64) uint16_t index[32];
    for (int c = 0; c < 16; ++c) index[2 * c] = uint16_t(first + c), index[2 * c + 1] = uint16_t(32 + first + c);
    return _mm512_load_si512(index);
  }

  // Up to 16 row-major (k contiguous) rows, `width` of them stored, into a panel whose pair rows
  // are `stride` words apart: word q of a row is its pair q, through pack_words; an odd last
  // element is paired with a zero.
  static void pack_row_pairs(const uint16_t* first, int64_t ld, int64_t rows, int64_t kc, int width, int64_t stride,
                             uint16_t* panel) {
    pack_words(first, ld * 2, rows, kc / 2, width, stride, panel);
    if (kc % 2 == 0) return;
    uint16_t* last = panel + (kc / 2) * 2 * stride;
    for (int r = 0; r < width; ++r) last[2 * r] = r < rows ? first[r * ld + kc - 1] : 0, last[2 * r + 1] = 0;
  }

  static void pack_a(const GemmArgs& g, const uint16_t* a, int64_t i0, int64_t mc, int64_t p0, int64_t kc,
                     uint16_t* out) {
    for (int64_t ir = 0; ir < mc; ir += kMR) {
      const int64_t rows = std::min(kMR, mc - ir);
      uint16_t* panel = out + ir * depth(kc);
      if (!g.trans_a) {
        pack_row_pairs(a + (i0 + ir) * g.lda + p0, g.lda, rows, kc, kMR, kMR, panel);
      } else {  // A stored k x m: memory rows p and p + 1 interleaved give pair row p / 2
        for (int64_t p = 0; p < kc; p += 2) {
          const uint16_t* row0 = a + (p0 + p) * g.lda + i0 + ir;
          interleave_rows(row0, p + 1 < kc ? row0 + g.lda : nullptr, rows, kMR, panel + p * kMR);
        }
      }
    }
  }

  static void pack_b(const GemmArgs& g, const uint16_t* b, int64_t p0, int64_t kc, int64_t j0, int64_t nc,
                     uint16_t* out) {
    const int64_t panels = (nc + kNR - 1) / kNR;
#pragma omp for schedule(static)
    for (int64_t jp = 0; jp < panels; ++jp) {
      const int64_t jr = jp * kNR, cols = std::min(kNR, nc - jr);
      uint16_t* panel = out + jr * depth(kc);
      if (!g.trans_b) {  // B stored k x n: memory rows p and p + 1 interleaved give pair row p / 2
        for (int64_t p = 0; p < kc; p += 2) {
          const uint16_t* row0 = b + (p0 + p) * g.ldb + j0 + jr;
          interleave_rows(row0, p + 1 < kc ? row0 + g.ldb : nullptr, cols, kNR, panel + p * kNR);
        }
      } else {  // B stored n x k: a column's pairs are words of its memory row, 16 columns at a time
        for (int64_t half = 0; half < kNR; half += 16) {
          const int64_t here = std::clamp<int64_t>(cols - half, 0, 16);
          const uint16_t* first = here > 0 ? b + (j0 + jr + half) * g.ldb + p0 : b;
          pack_row_pairs(first, g.ldb, here, kc, 16, kNR, panel + 2 * half);
        }
      }
    }
  }

  // As Float32Panels::micro_kernel, a pair of k per step: 24 vdpbf16ps per 2 loads.
  static void micro_kernel(int64_t kc, const uint16_t* a, const uint16_t* b, float* c, int64_t ldc, int64_t rows,
                           int64_t cols, float alpha, float beta, bool first) {
    __m512 acc[kMR][2];
#pragma GCC unroll 12
    for (int r = 0; r < kMR; ++r) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    const int64_t pairs = depth(kc) / 2;
    for (int64_t q = 0; q < pairs; ++q) {
      const __m512bh b0 = (__m512bh)_mm512_loadu_si512(b + q * 2 * kNR);
      const __m512bh b1 = (__m512bh)_mm512_loadu_si512(b + q * 2 * kNR + 32);
#pragma GCC unroll 12
      for (int r = 0; r < kMR; ++r) {
        int32_t pair;
        std::memcpy(&pair, a + q * 2 * kMR + 2 * r, 4);
        const __m512bh av = (__m512bh)_mm512_set1_epi32(pair);
        acc[r][0] = _mm512_dpbf16_ps(acc[r][0], av, b0);
        acc[r][1] = _mm512_dpbf16_ps(acc[r][1], av, b1);
      }
    }
    store_tile(acc, c, ldc, rows, cols, alpha, beta, first);
  }
};
#endif  // MINITORCH_GEMM_BF16

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

// C = alpha op(A) op(B) + beta C through the blocked loops above, with P's packing and
// micro-kernel; `parallel`: the threads share the row blocks (or, when there are few, the column
// panels) of every depth slice.
template <class P, class E = typename P::Elem>
void gemm_blocked(const GemmArgs& g, const E* a, const E* b, float* c, bool parallel) {
  const float alpha = float(g.alpha), beta = float(g.beta);
  const int64_t nc_max = std::min(kNC, (g.n + kNR - 1) / kNR * kNR);
  const int64_t slice = P::kSlice;
  const int64_t kc_max = std::min(slice, g.k);
  // Each thread's A buffer holds kKC floats per row: P's slices must fit it. B's is sized here.
  static_assert(P::kSlice * sizeof(E) <= kKC * sizeof(float));
  const size_t b_bytes = size_t(nc_max * P::depth(kc_max)) * sizeof(E);
  Scratch packed_b_floats((b_bytes + sizeof(float) - 1) / sizeof(float));
  E* const packed_b = reinterpret_cast<E*>(packed_b_floats.data());
  const int64_t m_blocks = (g.m + kMC - 1) / kMC;
  // Few row blocks but many columns (the dW products): split columns between threads instead.
#pragma omp parallel num_threads(parallel ? omp_get_max_threads() : 1)
  {
    E* const packed_a = reinterpret_cast<E*>(packed_a_buffer());
    for (int64_t j0 = 0; j0 < g.n; j0 += kNC) {
      const int64_t nc = std::min(kNC, g.n - j0);
      for (int64_t p0 = 0; p0 < g.k; p0 += slice) {
        const int64_t kc = std::min(slice, g.k - p0);
        const int64_t depth = P::depth(kc);
        P::pack_b(g, b, p0, kc, j0, nc, packed_b);  // omp for: ends with a barrier
        const bool first = p0 == 0;
        const int64_t n_panels = (nc + kNR - 1) / kNR;
        if (m_blocks >= omp_get_num_threads()) {
#pragma omp for schedule(dynamic, 1)
          for (int64_t ib = 0; ib < m_blocks; ++ib) {
            const int64_t i0 = ib * kMC, mc = std::min(kMC, g.m - i0);
            P::pack_a(g, a, i0, mc, p0, kc, packed_a);
            for (int64_t jp = 0; jp < n_panels; ++jp)
              for (int64_t ir = 0; ir < mc; ir += kMR)
                P::micro_kernel(kc, packed_a + ir * depth, packed_b + jp * kNR * depth,
                             c + (i0 + ir) * g.ldc + j0 + jp * kNR, g.ldc, std::min(kMR, mc - ir),
                             std::min(kNR, nc - jp * kNR), alpha, beta, first);
          }
        } else {
          for (int64_t ib = 0; ib < m_blocks; ++ib) {
            const int64_t i0 = ib * kMC, mc = std::min(kMC, g.m - i0);
            P::pack_a(g, a, i0, mc, p0, kc, packed_a);  // every thread packs its own copy
#pragma omp for schedule(static)
            for (int64_t jp = 0; jp < n_panels; ++jp)
              for (int64_t ir = 0; ir < mc; ir += kMR)
                P::micro_kernel(kc, packed_a + ir * depth, packed_b + jp * kNR * depth,
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

template <class P, class E = typename P::Elem>
void gemm_depth_chunks(const GemmArgs& g, const E* a, const E* b, float* c, int64_t chunks) {
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
    gemm_blocked<P>(part, a + (g.trans_a ? k0 * g.lda : k0), b + (g.trans_b ? k0 : k0 * g.ldb),
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

template <class P, class E = typename P::Elem>
void gemm_avx512(const GemmArgs& g, const E* a, const E* b, float* c) {
  if (const int64_t chunks = depth_chunks(g); chunks > 1) return gemm_depth_chunks<P>(g, a, b, c, chunks);
  gemm_blocked<P>(g, a, b, c, 2.0 * double(g.m) * double(g.n) * double(g.k) > 2e6);
}

}  // namespace

void gemm_f32_avx512(const GemmArgs& g, const float* a, const float* b, float* c) {
  gemm_avx512<Float32Panels>(g, a, b, c);
}

#if MINITORCH_GEMM_BF16
void gemm_bf16_avx512(const GemmArgs& g, const BFloat16* a, const BFloat16* b, float* c) {
  static_assert(sizeof(BFloat16) == sizeof(uint16_t));
  gemm_avx512<Bf16Panels>(g, reinterpret_cast<const uint16_t*>(a), reinterpret_cast<const uint16_t*>(b), c);
}
#endif

}  // namespace minitorch::kernels::cpu

#endif  // __AVX512F__
