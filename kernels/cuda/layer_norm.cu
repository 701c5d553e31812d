// LayerNorm over the last dim on CUDA, forward and backward, one warp per row (ConvNeXt's rows
// are 96-768 channels of one pixel). The math is that of kernels/cpu/layer_norm.cpp:
//   forward   xhat = (x - mean) * rstd,  y = xhat * w + b,  rstd = 1 / sqrt(var + eps)
//   backward  g = gy * w,  gx = rstd * (g - mean(g) - xhat * mean(g * xhat)),
//             gw = sum over rows of gy * xhat,  gb = sum over rows of gy
#include "column_sums.cuh"

namespace minitorch::kernels::cuda_impl {

namespace {

constexpr int kRowsPerBlock = 8;  // 8 warps of 32 threads

template <class T>
__global__ void layer_norm_forward_kernel(const T* x, int64_t rows, int64_t cols, const T* weight, const T* bias,
                                          acc_t<T> eps, T* y, T* mean_out, T* rstd_out) {
  using A = acc_t<T>;
  const int lane = threadIdx.x % 32;
  const int64_t row = int64_t(blockIdx.x) * kRowsPerBlock + threadIdx.x / 32;
  if (row >= rows) return;
  const T* in = x + row * cols;
  A total = 0;
  for (int64_t c = lane; c < cols; c += 32) total += convert<A>(in[c]);
  const A mean = warp_reduce(total, SumOp<A>{}) / A(cols);
  A squares = 0;  // two passes: the squared deviations, stable where E[x^2] - E[x]^2 is not
  for (int64_t c = lane; c < cols; c += 32) {
    const A d = convert<A>(in[c]) - mean;
    squares += d * d;
  }
  const A rstd = A(1) / std::sqrt(warp_reduce(squares, SumOp<A>{}) / A(cols) + eps);
  T* out = y + row * cols;
  for (int64_t c = lane; c < cols; c += 32) {
    A v = (convert<A>(in[c]) - mean) * rstd;
    if (weight) v = v * convert<A>(weight[c]);
    if (bias) v = v + convert<A>(bias[c]);
    out[c] = convert<T>(v);
  }
  if (lane == 0 && mean_out) mean_out[row] = convert<T>(mean);
  if (lane == 0 && rstd_out) rstd_out[row] = convert<T>(rstd);
}

template <class T>
__global__ void layer_norm_input_grad_kernel(const T* gy, const T* x, const T* mean, const T* rstd, const T* weight,
                                             int64_t rows, int64_t cols, T* gx) {
  using A = acc_t<T>;
  const int lane = threadIdx.x % 32;
  const int64_t row = int64_t(blockIdx.x) * kRowsPerBlock + threadIdx.x / 32;
  if (row >= rows) return;
  const T* g_row = gy + row * cols;
  const T* x_row = x + row * cols;
  const A m = convert<A>(mean[row]), r = convert<A>(rstd[row]);
  A sum_g = 0, sum_g_xhat = 0;
  for (int64_t c = lane; c < cols; c += 32) {
    const A g = convert<A>(g_row[c]) * (weight ? convert<A>(weight[c]) : A(1));
    sum_g += g;
    sum_g_xhat += g * (convert<A>(x_row[c]) - m) * r;
  }
  const A mean_g = warp_reduce(sum_g, SumOp<A>{}) / A(cols);
  const A mean_g_xhat = warp_reduce(sum_g_xhat, SumOp<A>{}) / A(cols);
  T* out = gx + row * cols;
  for (int64_t c = lane; c < cols; c += 32) {
    const A g = convert<A>(g_row[c]) * (weight ? convert<A>(weight[c]) : A(1));
    const A xhat = (convert<A>(x_row[c]) - m) * r;
    out[c] = convert<T>(r * (g - mean_g - xhat * mean_g_xhat));
  }
}

// gy * xhat at (row, c), for the weight gradient.
template <class T>
struct GradTimesXhat {
  const T *gy, *x, *mean, *rstd;
  int64_t cols;
  __device__ acc_t<T> operator()(int64_t r, int64_t c) const {
    using A = acc_t<T>;
    const int64_t i = r * cols + c;
    return convert<A>(gy[i]) * (convert<A>(x[i]) - convert<A>(mean[r])) * convert<A>(rstd[r]);
  }
};

}  // namespace

void CudaBackend::layer_norm_forward(DType t, const void* x, int64_t rows, int64_t cols, const void* weight,
                                     const void* bias, double eps, void* y, void* mean, void* rstd) {
  if (rows == 0) return;
  visit_device_floating_dtype(t, "layer_norm kernel", [&](auto tag) {
    using T = typename decltype(tag)::type;
    layer_norm_forward_kernel<<<unsigned((rows + kRowsPerBlock - 1) / kRowsPerBlock), 32 * kRowsPerBlock, 0,
                                stream()>>>(static_cast<const T*>(x), rows, cols, static_cast<const T*>(weight),
                                            static_cast<const T*>(bias), acc_t<T>(eps), static_cast<T*>(y),
                                            static_cast<T*>(mean), static_cast<T*>(rstd));
  });
  MT_CUDA_LAUNCHED("layer_norm forward kernel");
}

void CudaBackend::layer_norm_backward(DType t, const void* gy, const void* x, const void* mean, const void* rstd,
                                      const void* weight, int64_t rows, int64_t cols, void* gx, void* gweight,
                                      void* gbias) {
  visit_device_floating_dtype(t, "layer_norm backward kernel", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* g = static_cast<const T*>(gy);
    const T* in = static_cast<const T*>(x);
    const T* m = static_cast<const T*>(mean);
    const T* r = static_cast<const T*>(rstd);
    if (gx && rows > 0) {
      layer_norm_input_grad_kernel<<<unsigned((rows + kRowsPerBlock - 1) / kRowsPerBlock), 32 * kRowsPerBlock, 0,
                                     stream()>>>(g, in, m, r, static_cast<const T*>(weight), rows, cols,
                                                 static_cast<T*>(gx));
      MT_CUDA_LAUNCHED("layer_norm backward kernel");
    }
    if (gweight) sum_over_rows<acc_t<T>>(GradTimesXhat<T>{g, in, m, r, cols}, rows, cols, static_cast<T*>(gweight));
    if (gbias) sum_over_rows<acc_t<T>>(ReadMatrix<T>{g, cols}, rows, cols, static_cast<T*>(gbias));
  });
}

}  // namespace minitorch::kernels::cuda_impl
