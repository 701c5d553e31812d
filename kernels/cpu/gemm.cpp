// Matrix multiply on the CPU: float32 products large enough to pay for packing go to our blocked
// AVX-512 kernel (gemm_avx512.cpp) where the build targets AVX-512; everything else (float64,
// small or batched products, other CPUs) goes through Eigen's blocked, vectorised GEMM.
// kernels/cpu/reference.hpp has the plain triple loop both are tested against.
#include <Eigen/Core>
#include <type_traits>

#include "cpu_backend.hpp"
#include "gemm_avx512.hpp"
#include "loops.hpp"

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

}  // namespace

void CpuBackend::gemm(DType t, const GemmArgs& g) {
  visit_floating_dtype(t, "gemm kernel", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* a = static_cast<const T*>(g.a);
    const T* b = static_cast<const T*>(g.b);
    T* c = static_cast<T*>(g.c);
    if (g.m == 0 || g.n == 0) return;
    const int64_t flops_each = g.m * g.n * std::max<int64_t>(g.k, 1);
#if defined(__AVX512F__)
    if constexpr (std::is_same_v<T, float>) {
      if (flops_each >= (int64_t(1) << 18) && g.k > 0) {
        for (int64_t i = 0; i < g.batch; ++i)
          gemm_f32_avx512(g, a + i * g.batch_stride_a, b + i * g.batch_stride_b, c + i * g.batch_stride_c);
        return;
      }
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
