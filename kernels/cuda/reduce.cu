// Row reductions (sum, mean, var, max/min with their index), column sums and softmax on CUDA.
// A row is reduced by one warp when it is short and by a whole block when it is long; each
// thread first folds the elements lane, lane + group, ... of its row, then the group combines.
#include <limits>

#include "column_sums.cuh"

namespace minitorch::kernels::cuda_impl {

namespace {

constexpr int64_t kLongRow = 4096;  // from here on a row gets a block of 256 threads, not a warp

// Sum over a group of kGroup threads (a warp, or the whole block); every thread gets it.
template <int kGroup, class A>
__device__ inline A group_sum(A v, A* shared) {
  if constexpr (kGroup == 32)
    return warp_reduce(v, SumOp<A>{});
  else
    return block_reduce(v, SumOp<A>{}, shared);
}

// The better of two (value, index) candidates for max/min: NaN wins, then the larger (smaller)
// value, then the lower index, as PyTorch returns the first occurrence.
template <class A>
__device__ inline void take_better(bool is_max, A& value, int64_t& index, A other_value, int64_t other_index) {
  const bool nan = value != value, other_nan = other_value != other_value;
  bool other_wins;
  if (nan || other_nan)
    other_wins = other_nan && (!nan || other_index < index);
  else if (other_value == value)
    other_wins = other_index < index;
  else
    other_wins = is_max ? other_value > value : other_value < value;
  if (other_wins) {
    value = other_value;
    index = other_index;
  }
}

template <int kGroup, class T>
__global__ void reduce_rows_kernel(ReduceOp op, const T* x, int64_t rows, int64_t cols, T* out, int64_t* index_out,
                                   double correction) {
  using A = acc_t<T>;
  __shared__ A shared[32];
  __shared__ A shared_values[32];
  __shared__ int64_t shared_indices[32];
  const int lane = threadIdx.x % kGroup;
  const int64_t row = int64_t(blockIdx.x) * (blockDim.x / kGroup) + threadIdx.x / kGroup;
  if (row >= rows) return;  // whole groups leave together: kGroup divides the block
  const T* in = x + row * cols;

  if (op == ReduceOp::Max || op == ReduceOp::Min) {
    const bool is_max = op == ReduceOp::Max;
    A best = convert<A>(in[lane < cols ? lane : 0]);
    int64_t best_index = lane < cols ? lane : 0;
    for (int64_t c = lane + kGroup; c < cols; c += kGroup) take_better(is_max, best, best_index, convert<A>(in[c]), c);
    for (int offset = 16; offset > 0; offset >>= 1)
      take_better(is_max, best, best_index, __shfl_xor_sync(0xffffffffu, best, offset),
                  __shfl_xor_sync(0xffffffffu, best_index, offset));
    if constexpr (kGroup > 32) {
      const int warp = threadIdx.x / 32;
      if (threadIdx.x % 32 == 0) shared_values[warp] = best, shared_indices[warp] = best_index;
      __syncthreads();
      best = shared_values[0], best_index = shared_indices[0];
      for (int w = 1; w < kGroup / 32; ++w) take_better(is_max, best, best_index, shared_values[w], shared_indices[w]);
    }
    if (lane == 0) {
      out[row] = convert<T>(best);
      if (index_out) index_out[row] = best_index;
    }
    return;
  }

  A total = 0;
  for (int64_t c = lane; c < cols; c += kGroup) total += convert<A>(in[c]);
  total = group_sum<kGroup>(total, shared);
  if (op == ReduceOp::Sum) {
    if (lane == 0) out[row] = convert<T>(total);
    return;
  }
  const A mean = total / A(cols);
  if (op == ReduceOp::Mean) {
    if (lane == 0) out[row] = convert<T>(mean);
    return;
  }
  if constexpr (is_float_v<T>) {  // Var: two passes, the squared deviations from the mean
    A squares = 0;
    for (int64_t c = lane; c < cols; c += kGroup) {
      const A d = convert<A>(in[c]) - mean;
      squares += d * d;
    }
    squares = group_sum<kGroup>(squares, shared);
    const double denom = double(cols) - correction;
    if (lane == 0)
      out[row] = convert<T>(denom > 0 ? A(squares / A(denom)) : std::numeric_limits<A>::quiet_NaN());
  }
}

// softmax(x) = exp(x - m) / sum exp(x - m), m the row maximum; one block per row.
template <class T>
__global__ void softmax_rows_kernel(const T* x, int64_t cols, T* y, bool log) {
  using A = acc_t<T>;
  __shared__ A shared[32];
  const T* in = x + int64_t(blockIdx.x) * cols;
  T* out = y + int64_t(blockIdx.x) * cols;
  A m = -std::numeric_limits<A>::infinity();
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) m = math::maximum(m, convert<A>(in[c]));
  m = block_reduce(m, [](A a, A b) { return math::maximum(a, b); }, shared);
  A total = 0;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) total += std::exp(convert<A>(in[c]) - m);
  total = block_reduce(total, SumOp<A>{}, shared);
  const A log_total = std::log(total), inv_total = A(1) / total;
  for (int64_t c = threadIdx.x; c < cols; c += blockDim.x) {
    const A shifted = convert<A>(in[c]) - m;
    out[c] = convert<T>(log ? shifted - log_total : std::exp(shifted) * inv_total);
  }
}

}  // namespace

void CudaBackend::reduce_rows(ReduceOp op, DType t, const void* x, int64_t rows, int64_t cols, void* out,
                              int64_t* index_out, double correction) {
  MT_CHECK(t != DType::Bool, "reduce kernel: not defined for bool on cuda");
  MT_CHECK(rows < (int64_t(1) << 31), "reduce kernel: ", rows, " rows are more than one launch takes");
  MT_CHECK(op != ReduceOp::Var || is_floating(t), "reduce kernel: var needs a floating-point tensor");
  MT_CHECK(cols > 0 || (op != ReduceOp::Max && op != ReduceOp::Min), "reduce kernel: max/min of an empty row");
  if (rows == 0) return;
  visit_device_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, bool>) {
      const T* in = static_cast<const T*>(x);
      T* o = static_cast<T*>(out);
      if (cols >= kLongRow)
        reduce_rows_kernel<256><<<unsigned(rows), 256, 0, stream()>>>(op, in, rows, cols, o, index_out, correction);
      else
        reduce_rows_kernel<32><<<unsigned((rows + 7) / 8), 256, 0, stream()>>>(op, in, rows, cols, o, index_out,
                                                                                 correction);
    }
  });
  MT_CUDA_LAUNCHED("reduce kernel");
}

void CudaBackend::sum_columns(DType t, const void* x, int64_t rows, int64_t cols, void* out) {
  MT_CHECK(t != DType::Bool, "sum_columns kernel: not defined for bool on cuda");
  visit_device_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, bool>)
      sum_over_rows<acc_t<T>>(ReadMatrix<T>{static_cast<const T*>(x), cols}, rows, cols, static_cast<T*>(out));
  });
}

void CudaBackend::softmax_rows(DType t, const void* x, int64_t rows, int64_t cols, void* y, bool log) {
  if (rows == 0 || cols == 0) return;
  MT_CHECK(rows < (int64_t(1) << 31), "softmax kernel: ", rows, " rows are more than one launch takes");
  visit_device_floating_dtype(t, "softmax kernel", [&](auto tag) {
    using T = typename decltype(tag)::type;
    softmax_rows_kernel<<<unsigned(rows), 256, 0, stream()>>>(static_cast<const T*>(x), cols, static_cast<T*>(y), log);
  });
  MT_CUDA_LAUNCHED("softmax kernel");
}

}  // namespace minitorch::kernels::cuda_impl
