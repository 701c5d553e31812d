#pragma once
// The CPU backend: OpenMP threads, SIMD through the compiler and kernels/cpu/simd.hpp, GEMM
// through Eigen. Each group of kernels lives in its own file of kernels/cpu/.
#include "kernels.hpp"

namespace minitorch::kernels::cpu {

// Bytes held by CPU tensors now, and the most held at once since the last reset.
struct MemoryStats {
  int64_t live_bytes = 0, peak_live_bytes = 0;
};
MemoryStats memory_stats();
void reset_peak_memory();

class CpuBackend final : public Backend {
 public:
  const char* name() const override { return "cpu"; }
  void* allocate(size_t nbytes) override;
  void deallocate(void* ptr, size_t nbytes) override;
  void copy_from_host(void* dst, const void* src, size_t nbytes) override;
  void copy_to_host(void* dst, const void* src, size_t nbytes) override;

  void fill(DType t, const Strided& out, double value) override;
  void copy(DType dst_t, const Strided& dst, DType src_t, const Strided& src) override;
  void unary(UnaryOp op, DType t, const Strided& x, const Strided& out, UnaryParams p) override;
  void binary(BinaryOp op, DType t, const Strided& a, const Strided& b, const Strided& out) override;
  void where(DType t, const Strided& cond, const Strided& a, const Strided& b, const Strided& out) override;

  void reduce_rows(ReduceOp op, DType t, const void* x, int64_t rows, int64_t cols, void* out,
                   int64_t* index_out, double correction) override;
  void sum_columns(DType t, const void* x, int64_t rows, int64_t cols, void* out) override;
  void softmax_rows(DType t, const void* x, int64_t rows, int64_t cols, void* y, bool log) override;

  void gemm(DType t, const GemmArgs& args) override;

  void index_select(DType t, const void* x, int64_t outer, int64_t dim_size, int64_t inner,
                    const int64_t* index, int64_t n, void* out) override;
  void index_add(DType t, void* x, int64_t outer, int64_t dim_size, int64_t inner, const int64_t* index,
                 int64_t n, const void* src) override;
  void gather(DType t, const Strided& x, int dim, const Strided& index, const Strided& out) override;
  void scatter_add(DType t, const Strided& out, int dim, const Strided& index, const Strided& src) override;

  void layer_norm_forward(DType t, const void* x, int64_t rows, int64_t cols, const void* weight, const void* bias,
                          double eps, void* y, void* mean, void* rstd) override;
  void layer_norm_backward(DType t, const void* gy, const void* x, const void* mean, const void* rstd,
                           const void* weight, int64_t rows, int64_t cols, void* gx, void* gweight,
                           void* gbias) override;
  void depthwise_conv2d_forward(DType t, const ConvGeometry& g, const void* x, const void* weight, const void* bias,
                                void* y) override;
  void depthwise_conv2d_backward(DType t, const ConvGeometry& g, const void* gy, const void* x, const void* weight,
                                 void* gx, void* gweight, void* gbias) override;
  void im2col(DType t, const ConvGeometry& g, const void* x, void* cols) override;
  void col2im(DType t, const ConvGeometry& g, const void* cols, void* gx) override;

  void adam_step(DType t, int64_t n, void* param, const void* grad, void* exp_avg, void* exp_avg_sq,
                 const AdamStep& s) override;
  void sgd_step(DType t, int64_t n, void* param, const void* grad, void* momentum_buffer, const SgdStep& s) override;

  void random(Distribution dist, DType t, const Strided& out, uint64_t seed, uint64_t offset, double a,
              double b) override;
};

}  // namespace minitorch::kernels::cpu
