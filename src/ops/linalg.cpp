// Matrix products. mm and bmm call the backend's GEMM directly on strided operands: a matrix
// whose rows or columns are contiguous is passed as is (transposed views cost nothing), anything
// else is copied first. matmul reduces every case to mm or bmm with views.
#include "minitorch/ops/linalg.hpp"

#include "../internal.hpp"
#include "minitorch/autocast.hpp"
#include "minitorch/ops/elementwise.hpp"

namespace minitorch {

namespace {

struct MatrixOperand {
  Tensor tensor;  // possibly a contiguous copy
  bool transposed = false;
  int64_t ld = 0, batch_stride = 0;
};

// Describes a [B, r, c] tensor to GEMM: row-major (stride[2] == 1) or transposed (stride[1] == 1).
MatrixOperand as_gemm_operand(const Tensor& t) {
  MatrixOperand m{t};
  const int64_t rows = t.size(1), cols = t.size(2);
  const int64_t s1 = t.stride(1), s2 = t.stride(2);
  if ((s2 == 1 || cols == 1) && s1 >= std::max<int64_t>(cols, 1)) {
    m.ld = std::max<int64_t>(s1, cols);
  } else if ((s1 == 1 || rows == 1) && s2 >= std::max<int64_t>(rows, 1)) {
    m.transposed = true;
    m.ld = std::max<int64_t>(s2, rows);
  } else {
    m.tensor = t.contiguous();
    m.ld = std::max<int64_t>(cols, 1);
  }
  m.batch_stride = m.tensor.stride(0);
  return m;
}

// The GEMM arguments for [B, M, K] x [B, K, N] operands; the caller fills in C.
kernels::GemmArgs gemm_args(const MatrixOperand& ma, const MatrixOperand& mb, int64_t m, int64_t n, int64_t k) {
  kernels::GemmArgs g;
  g.trans_a = ma.transposed;
  g.trans_b = mb.transposed;
  g.m = m;
  g.n = n;
  g.k = k;
  g.a = ma.tensor.raw_data();
  g.lda = ma.ld;
  g.batch_stride_a = ma.batch_stride;
  g.b = mb.tensor.raw_data();
  g.ldb = mb.ld;
  g.batch_stride_b = mb.batch_stride;
  return g;
}

// out[b] = a[b] @ b[b] for [B, M, K] x [B, K, N] operands of one dtype, no autograd.
Tensor batched_gemm(const Tensor& a, const Tensor& b, DType out_dtype) {
  const MatrixOperand ma = as_gemm_operand(a), mb = as_gemm_operand(b);
  const int64_t batch = a.size(0), m = a.size(1), k = a.size(2), n = b.size(2);
  Tensor out = empty({batch, m, n}, {.dtype = out_dtype, .device = a.device()});
  kernels::GemmArgs g = gemm_args(ma, mb, m, n, k);
  g.bf16_operands = a.dtype() != out_dtype;  // bf16 autocast: bfloat16 operands, float32 output
  g.c = out.raw_data();
  g.ldc = n;
  g.batch_stride_c = m * n;
  g.batch = batch;
  internal::backend(a).gemm(out_dtype, g);
  return out;
}

// C = A B for [B, M, K] x [B, K, N], with A and B read as `operand` (their own dtype, or bfloat16
// under autocast) and C of dtype `out`:  dA = dC B^T,  dB = A^T dC, with the same operand dtype.
Tensor batched_product(const char* name, const Tensor& a, const Tensor& b, DType operand, DType out) {
  const Tensor ao = internal::as_operand(a.detach(), operand), bo = internal::as_operand(b.detach(), operand);
  Tensor c = batched_gemm(ao, bo, out);
  SavedTensor sa(b.requires_grad() ? ao : Tensor()), sb(a.requires_grad() ? bo : Tensor());
  return record(name, {a, b}, c, [a, b, sa, sb, name, operand, out](const Tensor& grad) {
    const Tensor g = internal::as_operand(grad, operand);  // once, for both products
    return Tensors{a.requires_grad() ? batched_product(name, g, sb.get().transpose(1, 2), operand, out) : Tensor(),
                   b.requires_grad() ? batched_product(name, sa.get().transpose(1, 2), g, operand, out) : Tensor()};
  });
}

}  // namespace

namespace internal {

DType gemm_operand_dtype(DType t) { return t == kFloat32 && autocast_enabled() ? kBFloat16 : t; }

Tensor as_operand(const Tensor& t, DType operand) {
  if (t.dtype() == operand) return t;
  NoGradGuard no_grad;
  return t.to(operand);
}

void gemm_into(const Tensor& a, const Tensor& b, Tensor& c, double beta) {
  MT_CHECK(a.dtype() == b.dtype() && (a.dtype() == c.dtype() || (a.dtype() == kBFloat16 && c.dtype() == kFloat32)),
           "gemm: operands ", dtype_name(a.dtype()), " and ", dtype_name(b.dtype()), " do not fit a ",
           dtype_name(c.dtype()), " output");
  kernels::GemmArgs g = gemm_args(as_gemm_operand(a.unsqueeze(0)), as_gemm_operand(b.unsqueeze(0)), a.size(0),
                                  b.size(1), a.size(1));
  g.bf16_operands = a.dtype() != c.dtype();
  g.c = c.raw_data();
  g.ldc = c.size(1);
  g.beta = beta;
  backend(c).gemm(c.dtype(), g);
}

}  // namespace internal

namespace {

void check_matmul_args(const char* op, const Tensor& a, const Tensor& b) {
  internal::common_device(op, {a, b});
  MT_CHECK(a.dtype() == b.dtype(), op, ": dtypes differ (", dtype_name(a.dtype()), " and ", dtype_name(b.dtype()),
           "); convert one with to()");
  MT_CHECK(a.dtype() == kFloat32 || a.dtype() == kFloat64, op, ": needs float32 or float64 tensors, got ",
           dtype_name(a.dtype()));
}

}  // namespace

Tensor mm(const Tensor& a, const Tensor& b) {
  MT_CHECK(a.dim() == 2 && b.dim() == 2, "mm: expects two 2-D tensors, got shapes ", shape_str(a.shape()), " and ",
           shape_str(b.shape()));
  MT_CHECK(a.size(1) == b.size(0), "mm: shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()),
           " cannot be multiplied (", a.size(1), " != ", b.size(0), ")");
  check_matmul_args("mm", a, b);
  return batched_product("MmBackward0", a.unsqueeze(0), b.unsqueeze(0), internal::gemm_operand_dtype(a.dtype()),
                         a.dtype())
      .squeeze(0);
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  MT_CHECK(a.dim() == 3 && b.dim() == 3, "bmm: expects two 3-D tensors, got shapes ", shape_str(a.shape()), " and ",
           shape_str(b.shape()));
  MT_CHECK(a.size(0) == b.size(0) && a.size(2) == b.size(1), "bmm: shapes ", shape_str(a.shape()), " and ",
           shape_str(b.shape()), " cannot be multiplied (expected [B, M, K] and [B, K, N])");
  check_matmul_args("bmm", a, b);
  return batched_product("BmmBackward0", a, b, internal::gemm_operand_dtype(a.dtype()), a.dtype());
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  MT_CHECK(a.dim() >= 1 && b.dim() >= 1, "matmul: both operands need at least 1 dim, got shapes ",
           shape_str(a.shape()), " and ", shape_str(b.shape()));
  if (a.dim() == 1 && b.dim() == 1) {
    MT_CHECK(a.size(0) == b.size(0), "matmul: vectors of sizes ", a.size(0), " and ", b.size(0), " differ");
    return mm(a.unsqueeze(0), b.unsqueeze(1)).reshape({});
  }
  if (a.dim() == 1) return matmul(a.unsqueeze(0), b).squeeze(-2);
  if (b.dim() == 1) return matmul(a, b.unsqueeze(1)).squeeze(-1);
  const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  MT_CHECK(b.size(-2) == k, "matmul: shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()),
           " cannot be multiplied (", k, " != ", b.size(-2), ")");
  if (a.dim() == 2 && b.dim() == 2) return mm(a, b);
  if (b.dim() == 2) {  // [..., M, K] x [K, N]: one big GEMM over all rows
    Shape out_shape(a.shape().begin(), a.shape().end() - 1);
    out_shape.push_back(n);
    return mm(internal::as_rows(a, k), b).reshape(out_shape);
  }
  const Shape a_batch(a.shape().begin(), a.shape().end() - 2), b_batch(b.shape().begin(), b.shape().end() - 2);
  Shape batch = broadcast_shapes(a_batch, b_batch, "matmul");
  const int64_t nbatch = shape_numel(batch);
  Shape a_full = batch, b_full = batch, out_shape = batch;
  a_full.insert(a_full.end(), {m, k});
  b_full.insert(b_full.end(), {k, n});
  out_shape.insert(out_shape.end(), {m, n});
  return bmm(a.expand(a_full).reshape({nbatch, m, k}), b.expand(b_full).reshape({nbatch, k, n})).reshape(out_shape);
}

Tensor Tensor::matmul(const Tensor& other) const { return minitorch::matmul(*this, other); }

}  // namespace minitorch
