// Matrix products through cuBLAS. Our matrices are row-major and cuBLAS's column-major: a
// row-major C = op(A) op(B) is, read column-major, C^T = op(B)^T op(A)^T, so cuBLAS gets B as its
// first operand, A as its second, and the sizes n and m swapped. No copy is made.
#include <atomic>

#include "common.cuh"
#include "minitorch/device.hpp"

namespace minitorch {

namespace {
std::atomic<bool> tf32_allowed{false};
}  // namespace

void cuda::set_allow_tf32(bool allow) { tf32_allowed = allow; }
bool cuda::allow_tf32() { return tf32_allowed; }

namespace kernels::cuda_impl {

namespace {

cublasHandle_t handle() {
  static cublasHandle_t h = [] {
    cublasHandle_t created = nullptr;
    MT_CUBLAS_CHECK(cublasCreate(&created));
    MT_CUBLAS_CHECK(cublasSetStream(created, stream()));
    return created;
  }();
  return h;
}

}  // namespace

void CudaBackend::gemm(DType t, const GemmArgs& g) {
  if (g.m == 0 || g.n == 0) return;
  cudaDataType_t type;  // of C, and of A and B unless bf16_operands
  cublasComputeType_t compute;
  MT_CHECK(!g.bf16_operands || t == DType::Float32, "gemm: bfloat16 operands need a float32 output, got ",
           dtype_name(t));
  switch (t) {
    case DType::Float32:
      type = CUDA_R_32F;
      compute = cuda::allow_tf32() ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
      break;
    case DType::Float64: type = CUDA_R_64F, compute = CUBLAS_COMPUTE_64F; break;
    case DType::BFloat16: type = CUDA_R_16BF, compute = CUBLAS_COMPUTE_32F; break;
    case DType::Float16: type = CUDA_R_16F, compute = CUBLAS_COMPUTE_32F; break;
    default: detail::fail("gemm: the cuda kernel takes floating-point matrices, got ", dtype_name(t));
  }
  // alpha and beta in the compute type: double for float64, float otherwise.
  const double alpha64 = g.alpha, beta64 = g.beta;
  const float alpha32 = float(g.alpha), beta32 = float(g.beta);
  const void* alpha = t == DType::Float64 ? static_cast<const void*>(&alpha64) : &alpha32;
  const void* beta = t == DType::Float64 ? static_cast<const void*>(&beta64) : &beta32;
  if (g.k == 0) {  // C = beta C, as an elementwise op over the [batch, m, n] view of C
    Strided c;
    c.data = g.c;
    c.ndim = 3;
    const int64_t shape[3] = {g.batch, g.m, g.n}, strides[3] = {g.batch_stride_c, g.ldc, 1};
    for (int d = 0; d < 3; ++d) c.shape[d] = shape[d], c.strides[d] = strides[d];
    if (g.beta == 0) fill(t, c, 0.0);
    else unary(UnaryOp::MulScalar, t, c, c, {g.beta, 0});
    return;
  }
  for (int64_t v : {g.m, g.n, g.k, g.lda, g.ldb, g.ldc, g.batch})
    MT_CHECK(v <= INT32_MAX, "gemm: size ", v, " is beyond cuBLAS's 32-bit sizes");
  // bf16 autocast: bf16 tensor-core products accumulated and written in float32.
  const cudaDataType_t operand_type = g.bf16_operands ? CUDA_R_16BF : type;
  if (g.bf16_operands) compute = CUBLAS_COMPUTE_32F;
  const cublasOperation_t op_b = g.trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_a = g.trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
  MT_CUBLAS_CHECK(cublasGemmStridedBatchedEx(handle(), op_b, op_a, int(g.n), int(g.m), int(g.k), alpha, g.b,
                                             operand_type, int(g.ldb), g.batch_stride_b, g.a, operand_type,
                                             int(g.lda), g.batch_stride_a, beta, g.c, type, int(g.ldc),
                                             g.batch_stride_c, int(g.batch), compute, CUBLAS_GEMM_DEFAULT));
}

}  // namespace kernels::cuda_impl
}  // namespace minitorch
