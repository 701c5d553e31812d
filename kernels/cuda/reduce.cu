// Row reductions (sum, mean, var, max/min with their index), column sums and softmax on CUDA.
// A row is reduced by one warp when it is short and by a whole block when it is long; each
// thread first folds the elements lane, lane + group, ... of its row, then the group combines.
// A few very long rows (a whole-tensor sum, say) would keep one multiprocessor each busy and the
// rest idle, so such rows are cut into slices, one block per slice, and a second kernel merges
// each row's slices in order: deterministic, and short sums (a thread adds 64 elements of its
// slice, more only in rows over 2^26 long; the merge adds at most 4096 slice sums).
#include <limits>

#include "column_sums.cuh"

namespace minitorch::kernels::cuda_impl {

namespace {

constexpr int64_t kLongRow = 4096;        // from here on a row gets a block of 256 threads, not a warp
constexpr int64_t kSplitRow = 1 << 16;    // from here on a row is cut into slices...
constexpr int64_t kSplitRowsBelow = 128;  // ...when there are fewer rows than this
constexpr int64_t kSliceLength = 1 << 14; // elements per slice (more where a row would need over
constexpr int64_t kMostSlices = 4096;     // this many slices)

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

// What a reduction needs to know of a span [begin, end) of a row. Sum, Mean, Var: the sum of its
// elements and, for Var, the sum of squared deviations from the span's own mean. Max, Min: the
// best element and its column.
template <class A>
struct SpanStats {
  A value = 0;
  A squares = 0;
  int64_t index = 0;
};

// SpanStats of in[begin, end) (not empty for Max/Min), computed by a group of kGroup threads;
// every thread of the group gets them. `shared` holds 32 values, `shared_index` 32 indices.
template <int kGroup, class T, class A = acc_t<T>>
__device__ SpanStats<A> span_stats(ReduceOp op, const T* in, int64_t begin, int64_t end, A* shared,
                                   int64_t* shared_index) {
  const int lane = threadIdx.x % kGroup;
  SpanStats<A> s;
  if (op == ReduceOp::Max || op == ReduceOp::Min) {
    const bool is_max = op == ReduceOp::Max;
    s.index = begin + lane < end ? begin + lane : begin;
    s.value = convert<A>(in[s.index]);
    for (int64_t c = begin + lane + kGroup; c < end; c += kGroup)
      take_better(is_max, s.value, s.index, convert<A>(in[c]), c);
    for (int offset = 16; offset > 0; offset >>= 1)
      take_better(is_max, s.value, s.index, __shfl_xor_sync(0xffffffffu, s.value, offset),
                  __shfl_xor_sync(0xffffffffu, s.index, offset));
    if constexpr (kGroup > 32) {
      const int warp = threadIdx.x / 32;
      if (threadIdx.x % 32 == 0) shared[warp] = s.value, shared_index[warp] = s.index;
      __syncthreads();
      s.value = shared[0], s.index = shared_index[0];
      for (int w = 1; w < kGroup / 32; ++w) take_better(is_max, s.value, s.index, shared[w], shared_index[w]);
    }
    return s;
  }
  for (int64_t c = begin + lane; c < end; c += kGroup) s.value += convert<A>(in[c]);
  s.value = group_sum<kGroup>(s.value, shared);
  if constexpr (is_float_v<T>) {
    if (op == ReduceOp::Var) {  // two passes: the squared deviations from the mean
      const A mean = s.value / A(end - begin);
      for (int64_t c = begin + lane; c < end; c += kGroup) {
        const A d = convert<A>(in[c]) - mean;
        s.squares += d * d;
      }
      s.squares = group_sum<kGroup>(s.squares, shared);
    }
  }
  return s;
}

// The result of a whole row of `cols` elements from its SpanStats.
template <class T, class A>
__device__ void write_row(ReduceOp op, const SpanStats<A>& s, int64_t row, int64_t cols, double correction, T* out,
                          int64_t* index_out) {
  switch (op) {
    case ReduceOp::Max:
    case ReduceOp::Min:
      out[row] = convert<T>(s.value);
      if (index_out) index_out[row] = s.index;
      return;
    case ReduceOp::Sum: out[row] = convert<T>(s.value); return;
    case ReduceOp::Mean: out[row] = convert<T>(s.value / A(cols)); return;
    case ReduceOp::Var:
      if constexpr (is_float_v<T>) {
        const double denom = double(cols) - correction;
        out[row] = convert<T>(denom > 0 ? A(s.squares / A(denom)) : std::numeric_limits<A>::quiet_NaN());
      }
      return;
  }
}

// One row per group of kGroup threads.
template <int kGroup, class T>
__global__ void reduce_rows_kernel(ReduceOp op, const T* x, int64_t rows, int64_t cols, T* out, int64_t* index_out,
                                   double correction) {
  using A = acc_t<T>;
  __shared__ A shared[32];
  __shared__ int64_t shared_index[32];
  const int64_t row = int64_t(blockIdx.x) * (blockDim.x / kGroup) + threadIdx.x / kGroup;
  if (row >= rows) return;  // whole groups leave together: kGroup divides the block
  const SpanStats<A> s = span_stats<kGroup>(op, x + row * cols, 0, cols, shared, shared_index);
  if (threadIdx.x % kGroup == 0) write_row(op, s, row, cols, correction, out, index_out);
}

// Block (slice, row) writes the SpanStats of its slice of the row to parts[row * slices + slice].
template <class T>
__global__ void row_slices_kernel(ReduceOp op, const T* x, int64_t cols, int64_t slice_length,
                                  SpanStats<acc_t<T>>* parts) {
  using A = acc_t<T>;
  __shared__ A shared[32];
  __shared__ int64_t shared_index[32];
  const int64_t slice = blockIdx.x, row = blockIdx.y;
  const int64_t begin = slice * slice_length, end = min(cols, begin + slice_length);
  const SpanStats<A> s = span_stats<256>(op, x + row * cols, begin, end, shared, shared_index);
  if (threadIdx.x == 0) parts[row * gridDim.x + slice] = s;
}

// One thread per row merges the row's slices in order. Var: the squared deviations from the
// row's mean are, slice by slice, those from the slice's mean plus n_s (mean_s - mean)^2.
template <class T>
__global__ void merge_slices_kernel(ReduceOp op, const SpanStats<acc_t<T>>* parts, int64_t rows, int64_t cols,
                                    int64_t slices, int64_t slice_length, T* out, int64_t* index_out,
                                    double correction) {
  using A = acc_t<T>;
  const int64_t row = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (row >= rows) return;
  const SpanStats<A>* part = parts + row * slices;
  SpanStats<A> all = part[0];
  if (op == ReduceOp::Max || op == ReduceOp::Min) {
    for (int64_t s = 1; s < slices; ++s)
      take_better(op == ReduceOp::Max, all.value, all.index, part[s].value, part[s].index);
  } else {
    for (int64_t s = 1; s < slices; ++s) all.value += part[s].value;
    if constexpr (is_float_v<T>) {
      if (op == ReduceOp::Var) {
        const A mean = all.value / A(cols);
        all.squares = 0;
        for (int64_t s = 0; s < slices; ++s) {
          const A n = A(min(slice_length, cols - s * slice_length));
          const A d = part[s].value / n - mean;
          all.squares += part[s].squares + n * d * d;
        }
      }
    }
  }
  write_row(op, all, row, cols, correction, out, index_out);
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
      if (cols >= kSplitRow && rows < kSplitRowsBelow) {
        const int64_t slice_length = std::max(kSliceLength, (cols + kMostSlices - 1) / kMostSlices);
        const int64_t slices = (cols + slice_length - 1) / slice_length;
        Scratch parts(size_t(rows * slices) * sizeof(SpanStats<acc_t<T>>));
        row_slices_kernel<<<dim3(unsigned(slices), unsigned(rows)), 256, 0, stream()>>>(
            op, in, cols, slice_length, parts.as<SpanStats<acc_t<T>>>());
        MT_CUDA_LAUNCHED("reduce kernel (row slices)");
        merge_slices_kernel<<<unsigned((rows + 127) / 128), 128, 0, stream()>>>(
            op, parts.as<SpanStats<acc_t<T>>>(), rows, cols, slices, slice_length, o, index_out, correction);
        MT_CUDA_LAUNCHED("reduce kernel (merge of row slices)");
        return;
      }
      if (cols >= kLongRow)
        reduce_rows_kernel<256><<<unsigned(rows), 256, 0, stream()>>>(op, in, rows, cols, o, index_out, correction);
      else
        reduce_rows_kernel<32><<<unsigned((rows + 7) / 8), 256, 0, stream()>>>(op, in, rows, cols, o, index_out,
                                                                                 correction);
      MT_CUDA_LAUNCHED("reduce kernel");
    }
  });
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
