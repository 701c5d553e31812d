#pragma once
// Sums over the rows of a [rows, cols] quantity: bias gradients, LayerNorm's weight and bias
// gradients, the depthwise weight gradient. The quantity comes from a `Source` functor, so it
// need not exist in memory (for example gy * xhat). Deterministic: rows are cut into fixed
// chunks that depend on the shape only, each chunk is summed by one block in a fixed order, and
// the chunk sums are added in chunk order by a second kernel; no atomics.
#include "common.cuh"

namespace minitorch::kernels::cuda_impl {

// Block (32, 8): threadIdx.x picks the column (adjacent columns, coalesced reads), threadIdx.y
// strides over the chunk's rows; the 8 partial sums of a column are then added in shared memory.
template <class A, class Source>
__global__ void column_chunk_sums(Source source, int64_t rows, int64_t cols, int64_t rows_per_chunk, A* partial) {
  __shared__ A sums[8][33];
  const int64_t col = int64_t(blockIdx.x) * 32 + threadIdx.x;
  const int64_t chunk = blockIdx.y;
  const int64_t begin = chunk * rows_per_chunk, end = min(rows, begin + rows_per_chunk);
  A acc = 0;
  if (col < cols)
    for (int64_t r = begin + threadIdx.y; r < end; r += 8) acc += source(r, col);
  sums[threadIdx.y][threadIdx.x] = acc;
  __syncthreads();
  if (threadIdx.y == 0 && col < cols) {
    for (int k = 1; k < 8; ++k) acc += sums[k][threadIdx.x];
    partial[chunk * cols + col] = acc;
  }
}

template <class A, class T>
__global__ void add_chunk_sums(const A* partial, int64_t chunks, int64_t cols, T* out) {
  MT_GRID_STRIDE_LOOP(col, cols) {
    A total = 0;
    for (int64_t c = 0; c < chunks; ++c) total += partial[c * cols + col];
    out[col] = convert<T>(total);
  }
}

// out[c] = sum over r of source(r, c), accumulated in A, written as T.
template <class A, class T, class Source>
void sum_over_rows(Source source, int64_t rows, int64_t cols, T* out) {
  if (cols == 0) return;
  const int64_t col_blocks = (cols + 31) / 32;
  // About 2048 blocks in all, each with at least 64 rows.
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(2048 / col_blocks + 1, (rows + 63) / 64));
  const int64_t rows_per_chunk = std::max<int64_t>(1, (rows + chunks - 1) / chunks);
  Scratch partial(size_t(chunks * cols) * sizeof(A));
  column_chunk_sums<A><<<dim3(unsigned(col_blocks), unsigned(chunks)), dim3(32, 8), 0, stream()>>>(
      source, rows, cols, rows_per_chunk, partial.as<A>());
  MT_CUDA_LAUNCHED("column sums kernel");
  add_chunk_sums<<<blocks_for(cols), kThreads, 0, stream()>>>(partial.as<A>(), chunks, cols, out);
  MT_CUDA_LAUNCHED("column sums kernel (adding the chunk sums)");
}

// Accumulator of each storage type: double for double, int64 for integers, float otherwise.
template <class T>
using acc_t = std::conditional_t<std::is_same_v<T, double>, double, std::conditional_t<is_float_v<T>, float, int64_t>>;

// The Source of a matrix in memory: x[r, c] of a contiguous [rows, cols] x.
template <class T>
struct ReadMatrix {
  const T* x;
  int64_t cols;
  __device__ acc_t<T> operator()(int64_t r, int64_t c) const { return convert<acc_t<T>>(x[r * cols + c]); }
};

}  // namespace minitorch::kernels::cuda_impl
