// Matrix multiply on the CPU: float32 products large enough to pay for packing go to our blocked
// AVX-512 kernel (gemm_avx512.cpp) where the build targets AVX-512; everything else (float64,
// small or batched products, other CPUs) goes through Eigen's blocked, vectorised GEMM.
// kernels/cpu/reference.hpp has the plain triple loop both are tested against.
#include <Eigen/Core>
#include <type_traits>

#include "cpu_backend.hpp"
#include "gemm_avx512.hpp"
#include "loops.hpp"
#include "scratch.hpp"

namespace minitorch::kernels::cpu {

namespace {

template <class T>
using RowMajor = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using ConstMap = Eigen::Map<const RowMajor<T>, Eigen::Unaligned, Eigen::OuterStride<>>;
template <class T>
using MutMap = Eigen::Map<RowMajor<T>, Eigen::Unaligned, Eigen::OuterStride<>>;

template <class T>
void gemm_one(const GemmArgs& g, const T* a, const T* b, T* c) {
  // Stored shapes: A is m x k (or k x m when transposed), B is k x n (or n x k).
  ConstMap<T> A(a, g.trans_a ? g.k : g.m, g.trans_a ? g.m : g.k, Eigen::OuterStride<>(g.lda));
  ConstMap<T> B(b, g.trans_b ? g.n : g.k, g.trans_b ? g.k : g.n, Eigen::OuterStride<>(g.ldb));
  MutMap<T> C(c, g.m, g.n, Eigen::OuterStride<>(g.ldc));
  const T alpha = T(g.alpha);
  if (g.beta == 0) {
    C.setZero();
  } else if (g.beta != 1) {
    C *= T(g.beta);
  }
  if (g.k == 0) return;
  if (!g.trans_a && !g.trans_b) C.noalias() += alpha * A * B;
  else if (g.trans_a && !g.trans_b) C.noalias() += alpha * A.transpose() * B;
  else if (!g.trans_a && g.trans_b) C.noalias() += alpha * A * B.transpose();
  else C.noalias() += alpha * A.transpose() * B.transpose();
}

// Widens a stored bfloat16 operand (`batch` matrices of rows x cols, row stride ld) into dense
// float matrices; a batch stride of 0 (one matrix shared by the batch) stays one matrix.
Scratch widen_operand(const void* src, int64_t rows, int64_t cols, int64_t ld, int64_t batch_stride, int64_t batch) {
  const int64_t copies = batch_stride == 0 ? 1 : batch;
  Scratch dense(size_t(copies * rows * cols));
  const BFloat16* in = static_cast<const BFloat16*>(src);
  float* out = dense.data();
  parallel_for(copies * rows, cols, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const BFloat16* row = in + (r / rows) * batch_stride + (r % rows) * ld;
      for (int64_t c = 0; c < cols; ++c) out[r * cols + c] = float(row[c]);
    }
  });
  return dense;
}

#if defined(__AVX512F__)
// Products of at least 2^18 multiply-adds pay for the packing of the blocked AVX-512 kernels.
bool worth_blocking(const GemmArgs& g) { return g.k > 0 && g.m * g.n * g.k >= (int64_t(1) << 18); }

// kernel(g, A_i, B_i, C_i) for each matrix i of the batch.
template <class In, class Out, class Kernel>
void each_matrix(const GemmArgs& g, const In* a, const In* b, Out* c, Kernel kernel) {
  for (int64_t i = 0; i < g.batch; ++i)
    kernel(g, a + i * g.batch_stride_a, b + i * g.batch_stride_b, c + i * g.batch_stride_c);
}
#endif

// bf16 autocast on the CPU. Where the CPU has AVX512_BF16, large products go to the bf16 kernel
// of gemm_avx512.cpp (twice the float32 kernel's multiply-adds per instruction). Elsewhere, and
// for small products: widening bfloat16 to float is exact, so the float GEMM of the widened
// operands computes what a bf16 GEMM with float accumulation computes.
void gemm_bf16_operands(CpuBackend& cpu, const GemmArgs& g) {
#if MINITORCH_GEMM_BF16
  if (worth_blocking(g))
    return each_matrix(g, static_cast<const BFloat16*>(g.a), static_cast<const BFloat16*>(g.b),
                       static_cast<float*>(g.c), gemm_bf16_avx512);
#endif
  const int64_t a_rows = g.trans_a ? g.k : g.m, a_cols = g.trans_a ? g.m : g.k;
  const int64_t b_rows = g.trans_b ? g.n : g.k, b_cols = g.trans_b ? g.k : g.n;
  const Scratch a = widen_operand(g.a, a_rows, a_cols, g.lda, g.batch_stride_a, g.batch);
  const Scratch b = widen_operand(g.b, b_rows, b_cols, g.ldb, g.batch_stride_b, g.batch);
  GemmArgs f = g;
  f.bf16_operands = false;
  f.a = a.data(), f.lda = std::max<int64_t>(a_cols, 1), f.batch_stride_a = g.batch_stride_a == 0 ? 0 : a_rows * a_cols;
  f.b = b.data(), f.ldb = std::max<int64_t>(b_cols, 1), f.batch_stride_b = g.batch_stride_b == 0 ? 0 : b_rows * b_cols;
  cpu.gemm(DType::Float32, f);
}

}  // namespace

void CpuBackend::gemm(DType t, const GemmArgs& g) {
  if (g.bf16_operands) {
    MT_CHECK(t == DType::Float32, "gemm kernel: bfloat16 operands need a float32 output, got ", dtype_name(t));
    if (g.m > 0 && g.n > 0) gemm_bf16_operands(*this, g);
    return;
  }
  visit_floating_dtype(t, "gemm kernel", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* a = static_cast<const T*>(g.a);
    const T* b = static_cast<const T*>(g.b);
    T* c = static_cast<T*>(g.c);
    if (g.m == 0 || g.n == 0) return;
    const int64_t flops_each = g.m * g.n * std::max<int64_t>(g.k, 1);
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<T, float>) {
      if (worth_blocking(g)) return each_matrix(g, a, b, c, gemm_f32_avx512);
    }
#endif
    // Many small products: one per thread, Eigen single-threaded inside (it does not nest).
    // Few large products: one after the other, each spread over the threads by Eigen.
    if (g.batch > 1 && flops_each < (int64_t(1) << 22)) {
      parallel_for(g.batch, flops_each, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i)
          gemm_one<T>(g, a + i * g.batch_stride_a, b + i * g.batch_stride_b, c + i * g.batch_stride_c);
      });
    } else {
      for (int64_t i = 0; i < g.batch; ++i)
        gemm_one<T>(g, a + i * g.batch_stride_a, b + i * g.batch_stride_b, c + i * g.batch_stride_c);
    }
  });
}

}  // namespace minitorch::kernels::cpu
