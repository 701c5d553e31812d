#pragma once
// What every CUDA kernel file shares: the backend class, the stream, launch sizes, element types
// and their conversions, and the index arithmetic of strided views.
#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <algorithm>
#include <cstdint>
#include <type_traits>

#include "check.cuh"
#include "kernels.hpp"
#include "scalar_math.hpp"

namespace minitorch::kernels::cuda_impl {

// ---- the backend: one class, its methods defined in the file of their kernels -----------------
class CudaBackend final : public Backend {
 public:
  const char* name() const override { return "cuda"; }
  void* allocate(size_t nbytes) override;
  void deallocate(void* ptr, size_t nbytes) override;
  void copy_from_host(void* dst, const void* src, size_t nbytes) override;
  void* allocate_pinned_host(size_t nbytes) override;
  void deallocate_pinned_host(void* ptr, size_t nbytes) override;
  void copy_from_host_async(void* dst, const void* pinned_src, size_t nbytes) override;
  void copy_to_host(void* dst, const void* src, size_t nbytes) override;

  void fill(DType t, const Strided& out, double value) override;
  void copy(DType dst_t, const Strided& dst, DType src_t, const Strided& src) override;
  void unary(UnaryOp op, DType t, const Strided& x, const Strided& out, UnaryParams p) override;
  void binary(BinaryOp op, DType t, const Strided& a, const Strided& b, const Strided& out) override;
  void where(DType t, const Strided& cond, const Strided& a, const Strided& b, const Strided& out) override;

  void reduce_rows(ReduceOp op, DType t, const void* x, int64_t rows, int64_t cols, void* out, int64_t* index_out,
                   double correction) override;
  void sum_columns(DType t, const void* x, int64_t rows, int64_t cols, void* out) override;
  void softmax_rows(DType t, const void* x, int64_t rows, int64_t cols, void* y, bool log) override;

  void gemm(DType t, const GemmArgs& args) override;

  void index_select(DType t, const void* x, int64_t outer, int64_t dim_size, int64_t inner, const int64_t* index,
                    int64_t n, void* out) override;
  void index_add(DType t, void* x, int64_t outer, int64_t dim_size, int64_t inner, const int64_t* index, int64_t n,
                 const void* src) override;
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

// Every kernel and copy of the backend runs on this one stream, in order; the host waits only
// where it reads results (copy_to_host) or asks to (cuda::synchronize).
cudaStream_t stream();

// Device scratch memory from the caching allocator, returned when the object dies. Frees are
// stream-ordered: a later kernel on the same stream may reuse the block safely.
class Scratch {
 public:
  explicit Scratch(size_t nbytes);
  ~Scratch();
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  template <class T> T* as() const { return static_cast<T*>(ptr_); }

 private:
  void* ptr_;
};

// ---- launch sizes ----------------------------------------------------------------------------
constexpr int kThreads = 256;
// Blocks for a grid-stride loop over n elements (capped: each thread then takes several).
inline unsigned blocks_for(int64_t n, int threads = kThreads) {
  return unsigned(std::max<int64_t>(1, std::min<int64_t>((n + threads - 1) / threads, 65535 * 8)));
}
#define MT_GRID_STRIDE_LOOP(i, n) \
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); i += int64_t(blockDim.x) * gridDim.x)
// After every launch: a bad configuration shows here, naming the kernel.
#define MT_CUDA_LAUNCHED(kernel_name) MT_CUDA_CHECK_NAMED(cudaGetLastError(), kernel_name)

// ---- element types ---------------------------------------------------------------------------
// Storage type of each DType on the device; 16-bit floats compute in float.
template <class T> struct ComputeType { using type = T; };
template <> struct ComputeType<__nv_bfloat16> { using type = float; };
template <> struct ComputeType<__half> { using type = float; };
template <class T> using compute_t = typename ComputeType<T>::type;
template <class T> constexpr bool is_half_v = std::is_same_v<T, __nv_bfloat16> || std::is_same_v<T, __half>;
template <class T> constexpr bool is_float_v = std::is_floating_point_v<T> || is_half_v<T>;

// Any element type to any other: 16-bit floats go through float, bool is "!= 0".
template <class To, class From>
__host__ __device__ inline To convert(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (is_half_v<From>) {
    return convert<To>(float(v));
  } else if constexpr (std::is_same_v<To, __nv_bfloat16>) {
    return __float2bfloat16(float(v));
  } else if constexpr (std::is_same_v<To, __half>) {
    return __float2half(float(v));
  } else if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else {
    return static_cast<To>(v);
  }
}

// The device's storage type of each element type: CUDA's own 16-bit floats.
template <class T> struct DeviceStorage { using type = T; };
template <> struct DeviceStorage<Float16> { using type = __half; };
template <> struct DeviceStorage<BFloat16> { using type = __nv_bfloat16; };

// minitorch::visit_dtype (dtype.hpp) with the device's storage types: f(TypeTag<T>{}).
template <class F>
void visit_device_dtype(DType t, F&& f) {
  visit_dtype(t, [&](auto tag) { f(TypeTag<typename DeviceStorage<typename decltype(tag)::type>::type>{}); });
}
// Same, for the floating types only (16-bit included); the others are an Error naming `what`.
template <class F>
void visit_device_floating_dtype(DType t, const char* what, F&& f) {
  MT_CHECK(is_floating(t), what, ": the cuda kernel takes floating-point tensors, got ", dtype_name(t));
  visit_device_dtype(t, [&](auto tag) {
    if constexpr (is_float_v<typename decltype(tag)::type>) f(tag);
  });
}

// ---- strided views ---------------------------------------------------------------------------
// The element offsets of N views that share one shape (broadcast dims have stride 0), from the
// linear row-major index of an element. Passed to kernels by value.
template <int N>
struct Offsets {
  int ndim = 0;
  int64_t shape[kMaxDims] = {};
  int64_t strides[N][kMaxDims] = {};

  __device__ void of(int64_t linear, int64_t (&out)[N]) const {
    for (int k = 0; k < N; ++k) out[k] = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      const int64_t coord = linear % shape[d];
      linear /= shape[d];
      for (int k = 0; k < N; ++k) out[k] += coord * strides[k][d];
    }
  }
};

// Offsets of views that have the shape of views[0]. Dims that every view walks as one (stride
// of d = stride of d+1 times size of d+1) are merged, and size-1 dims dropped, so that the
// common cases (contiguous tensors, a bias broadcast over rows) cost one or two divisions per
// element instead of one per dim.
template <int N>
Offsets<N> offsets_of(const Strided* const (&views)[N]) {
  Offsets<N> o;
  for (int d = 0; d < views[0]->ndim; ++d) {
    const int64_t size = views[0]->shape[d];
    if (size == 1) continue;
    bool merge = o.ndim > 0;
    for (int k = 0; k < N && merge; ++k)
      merge = o.strides[k][o.ndim - 1] == views[k]->strides[d] * size;
    if (merge) {
      o.shape[o.ndim - 1] *= size;
      for (int k = 0; k < N; ++k) o.strides[k][o.ndim - 1] = views[k]->strides[d];
    } else {
      o.shape[o.ndim] = size;
      for (int k = 0; k < N; ++k) o.strides[k][o.ndim] = views[k]->strides[d];
      ++o.ndim;
    }
  }
  return o;  // ndim 0: a single element at offset 0
}

// ---- block and warp reductions ---------------------------------------------------------------
template <class T> struct SumOp {
  __device__ T operator()(T a, T b) const { return a + b; }
};
template <class T, class Op>
__device__ inline T warp_reduce(T v, Op op) {
  for (int offset = 16; offset > 0; offset >>= 1) v = op(v, __shfl_xor_sync(0xffffffffu, v, offset));
  return v;
}
// Reduces one value per thread of the block (blockDim.x a multiple of 32, at most 1024); every
// thread gets the result. `shared` holds 32 values.
template <class T, class Op>
__device__ inline T block_reduce(T v, Op op, T* shared) {
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32, warps = blockDim.x / 32;
  v = warp_reduce(v, op);
  __syncthreads();  // `shared` may still be read by a previous call
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  v = shared[0];
  for (int w = 1; w < warps; ++w) v = op(v, shared[w]);
  return v;
}

}  // namespace minitorch::kernels::cuda_impl
