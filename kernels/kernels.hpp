#pragma once
// The kernel interface shared by every backend. Kernels see raw memory only: pointers, shapes and
// strides, never a Tensor and never autograd. Ops (src/ops/) check their arguments, pick the
// backend of the tensors' device and call one of these functions; backward is built from ops.
//
// Each backend implements what it can; the default implementation of every kernel throws an
// Error naming the kernel and the backend, so a missing kernel is a clear message, not a crash.
#include <cstddef>
#include <cstdint>

#include "minitorch/device.hpp"
#include "minitorch/dtype.hpp"

namespace minitorch::kernels {

constexpr int kMaxDims = 8;

// An n-d view of memory: element strides (not bytes), like Tensor::strides().
struct Strided {
  void* data = nullptr;
  int ndim = 0;
  int64_t shape[kMaxDims] = {};
  int64_t strides[kMaxDims] = {};

  int64_t numel() const {
    int64_t n = 1;
    for (int d = 0; d < ndim; ++d) n *= shape[d];
    return n;
  }
};

// True when the view covers its elements in row-major order without gaps.
inline bool is_contiguous(const Strided& s) {
  int64_t expected = 1;
  for (int d = s.ndim - 1; d >= 0; --d) {
    if (s.shape[d] != 1 && s.strides[d] != expected) return false;
    expected *= s.shape[d];
  }
  return true;
}

enum class UnaryOp {
  Neg, Abs, Sign, Exp, Log, Sqrt, Rsqrt, Tanh, Sigmoid, Relu, Erf,
  Gelu,        // x * Phi(x), Phi the standard normal CDF (exact, through erf)
  GeluTanh,    // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  Clamp,       // min(max(x, a), b)
  PowScalar,   // x^a
  AddScalar,   // x + a
  MulScalar,   // x * a
};
struct UnaryParams {
  double a = 0, b = 0;
};

enum class BinaryOp {
  Add, Sub, Mul, Div, Pow, Maximum, Minimum,
  Eq, Ne, Lt, Le, Gt, Ge,  // write bool
  // Gradients: the first operand is the forward input x (or output y), the second the incoming
  // gradient g. Each sits next to its forward formula in kernels/cpu/elementwise.cpp.
  ReluGrad,      // g where x > 0 or x is NaN, else 0 (PyTorch's threshold_backward)
  GeluGrad,      // g * (Phi(x) + x phi(x))
  GeluTanhGrad,  // g * d/dx of the tanh approximation
  SigmoidGrad,   // g * y (1 - y),   y = sigmoid(x)
  TanhGrad,      // g * (1 - y^2),   y = tanh(x)
  ErfGrad,       // g * 2/sqrt(pi) exp(-x^2)
};
bool is_comparison(BinaryOp op);

enum class ReduceOp { Sum, Mean, Max, Min, Var };

enum class Distribution { Uniform, Normal, TruncNormal, RandInt };

// C[b] = alpha * op(A[b]) * op(B[b]) + beta * C[b] for b < batch, row-major matrices;
// op(A) is m x k, op(B) is k x n, C is m x n. lda/ldb/ldc are row strides of the stored matrices.
// With bf16_operands (bf16 autocast), A and B hold bfloat16 while C is float32: products are
// accumulated in float32.
struct GemmArgs {
  bool trans_a = false, trans_b = false;
  int64_t m = 0, n = 0, k = 0;
  const void* a = nullptr; int64_t lda = 0, batch_stride_a = 0;
  const void* b = nullptr; int64_t ldb = 0, batch_stride_b = 0;
  void* c = nullptr;       int64_t ldc = 0, batch_stride_c = 0;
  int64_t batch = 1;
  double alpha = 1, beta = 0;
  bool bf16_operands = false;
};

// Geometry of a 2-D convolution over NHWC activations (dilation 1).
struct ConvGeometry {
  int64_t batch = 0, in_h = 0, in_w = 0, channels = 0;  // input [batch, in_h, in_w, channels]
  int64_t kernel_h = 0, kernel_w = 0, stride_h = 1, stride_w = 1, pad_h = 0, pad_w = 0;
  int64_t out_h = 0, out_w = 0;
};

// One optimizer update of n contiguous elements (torch.optim's single-tensor formulas).
struct AdamStep {
  double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0;
  bool decoupled_weight_decay = false;  // AdamW
  int64_t step = 1;                     // 1 for the first update
};
struct SgdStep {
  double lr = 0, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false;
  bool first = true;  // the momentum buffer starts as the first gradient
};

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;

  // ---- memory --------------------------------------------------------------------------------
  virtual void* allocate(size_t nbytes) = 0;
  virtual void deallocate(void* ptr, size_t nbytes) = 0;  // nbytes as given to allocate
  // Byte copies between this device's memory and the host's.
  virtual void copy_from_host(void* dst, const void* src, size_t nbytes);
  virtual void copy_to_host(void* dst, const void* host_src, size_t nbytes);
  // Page-locked ("pinned") host memory, which this device copies from without staging. A freed
  // block is handed out again only once the copies queued before its release have finished.
  virtual void* allocate_pinned_host(size_t nbytes);
  virtual void deallocate_pinned_host(void* ptr, size_t nbytes);
  // copy_from_host from pinned memory that returns at once: the copy runs in order with the
  // device's later kernels, so the host must not write `src` until it is released.
  virtual void copy_from_host_async(void* dst, const void* pinned_src, size_t nbytes);

  // ---- elementwise (out may alias an input with identical strides) -----------------------------
  virtual void fill(DType t, const Strided& out, double value);
  // dst = src converted from src_t to dst_t; both on this device, any strides.
  virtual void copy(DType dst_t, const Strided& dst, DType src_t, const Strided& src);
  virtual void unary(UnaryOp op, DType t, const Strided& x, const Strided& out, UnaryParams p);
  // a, b and out have out's shape (broadcast dims have stride 0); comparisons write bool.
  virtual void binary(BinaryOp op, DType t, const Strided& a, const Strided& b, const Strided& out);
  // out = cond ? a : b; cond is bool.
  virtual void where(DType t, const Strided& cond, const Strided& a, const Strided& b, const Strided& out);

  // ---- rows of a contiguous [rows, cols] matrix -------------------------------------------------
  // Reduces each row to one value of type t; Max/Min also write the column index when index_out
  // is not null; Var divides by (cols - correction).
  virtual void reduce_rows(ReduceOp op, DType t, const void* x, int64_t rows, int64_t cols, void* out,
                           int64_t* index_out, double correction);
  // out[c] = sum over r of x[r, c]: the reduction of the leading dims (bias gradients), without
  // moving the reduced dims last first.
  virtual void sum_columns(DType t, const void* x, int64_t rows, int64_t cols, void* out);
  // y = softmax(x) (or log_softmax) of each row.
  virtual void softmax_rows(DType t, const void* x, int64_t rows, int64_t cols, void* y, bool log);

  // ---- matrix multiply -------------------------------------------------------------------------
  // t is C's dtype (and A's and B's unless args.bf16_operands).
  virtual void gemm(DType t, const GemmArgs& args);

  // ---- indexing (x viewed as contiguous [outer, dim_size, inner]) -------------------------------
  // out[o, j, i] = x[o, index[j], i]
  virtual void index_select(DType t, const void* x, int64_t outer, int64_t dim_size, int64_t inner,
                            const int64_t* index, int64_t n, void* out);
  // x[o, index[j], i] += src[o, j, i]
  virtual void index_add(DType t, void* x, int64_t outer, int64_t dim_size, int64_t inner,
                         const int64_t* index, int64_t n, const void* src);
  // out[p] = x[p with coordinate dim replaced by index[p]]; index and out share one shape.
  virtual void gather(DType t, const Strided& x, int dim, const Strided& index, const Strided& out);
  // out[p with coordinate dim replaced by index[p]] += src[p]
  virtual void scatter_add(DType t, const Strided& out, int dim, const Strided& index, const Strided& src);

  // ---- neural-network layers (activations channels-last, contiguous) ---------------------------
  // LayerNorm over the last dim of x [rows, cols]: y = (x - mean) * rstd * weight + bias, and the
  // per-row mean and rstd = 1/sqrt(var + eps) that backward needs. weight/bias may be null.
  virtual void layer_norm_forward(DType t, const void* x, int64_t rows, int64_t cols, const void* weight,
                                  const void* bias, double eps, void* y, void* mean, void* rstd);
  // gx = rstd * (g - mean(g) - xhat * mean(g * xhat)) with g = gy * weight; gweight = sum gy * xhat,
  // gbias = sum gy over rows. Any of gx/gweight/gbias may be null (not wanted).
  virtual void layer_norm_backward(DType t, const void* gy, const void* x, const void* mean, const void* rstd,
                                   const void* weight, int64_t rows, int64_t cols, void* gx, void* gweight,
                                   void* gbias);
  // Depthwise convolution, NHWC: y[n,oh,ow,c] = bias[c] + sum_ij x[n, oh*s-p+i, ow*s-p+j, c] w[i,j,c]
  // with weight laid out [kernel_h, kernel_w, channels] and bias [channels] (may be null).
  virtual void depthwise_conv2d_forward(DType t, const ConvGeometry& g, const void* x, const void* weight,
                                        const void* bias, void* y);
  // gx from gy (gx is overwritten), and gweight [kh, kw, C] and gbias [C] (overwritten; null = skip).
  virtual void depthwise_conv2d_backward(DType t, const ConvGeometry& g, const void* gy, const void* x,
                                         const void* weight, void* gx, void* gweight, void* gbias);
  // im2col for NHWC: cols[n, oh, ow, i, j, c] = x[n, oh*s-p+i, ow*s-p+j, c] (0 outside), and its
  // adjoint col2im, which adds every column entry back into gx (overwritten first).
  virtual void im2col(DType t, const ConvGeometry& g, const void* x, void* cols);
  virtual void col2im(DType t, const ConvGeometry& g, const void* cols, void* gx);

  // ---- optimizers (param, grad and state: n contiguous elements each) ---------------------------
  virtual void adam_step(DType t, int64_t n, void* param, const void* grad, void* exp_avg, void* exp_avg_sq,
                         const AdamStep& s);
  // momentum_buffer may be null when momentum is 0.
  virtual void sgd_step(DType t, int64_t n, void* param, const void* grad, void* momentum_buffer, const SgdStep& s);

  // ---- random numbers --------------------------------------------------------------------------
  // Element i of the (row-major ordered) output gets the numbers of counter `offset + i` of the
  // stream `seed`, so results do not depend on threads. Uniform: [a, b); Normal: mean a, std b;
  // TruncNormal: N(0, 1) truncated to [a, b]; RandInt: integers in [a, b).
  virtual void random(Distribution dist, DType t, const Strided& out, uint64_t seed, uint64_t offset,
                      double a, double b);
};

// The backend of a device. CUDA throws an Error when minitorch was built without CUDA or no GPU
// is usable.
Backend& backend_for(Device device);
Backend& cpu_backend();
Backend& cuda_backend();

}  // namespace minitorch::kernels
