#pragma once
// The loop every elementwise CPU kernel runs: K operands of one shape, each with its own strides,
// walked row by row with the innermost dimension as a tight loop. Dimensions that are laid out
// one after the other in every operand are merged first, so contiguous tensors become one flat
// row that the compiler vectorises and OpenMP splits between threads.
#include <omp.h>

#include <array>
#include <cstdint>

#include "kernels.hpp"

namespace minitorch::kernels::cpu {

// Work below this many elements runs on one thread: starting threads costs more than it saves.
constexpr int64_t kParallelGrain = 32768;

template <int K>
struct Loop {
  int ndim = 0;                      // after merging; 0 means a single element
  int64_t shape[kMaxDims] = {};
  int64_t strides[K][kMaxDims] = {};  // in bytes
  char* base[K] = {};
};

// operands[0] gives the shape; every operand must have that shape (broadcast dims: stride 0).
template <int K>
Loop<K> make_loop(const std::array<const Strided*, K>& operands, const std::array<size_t, K>& elem_size) {
  Loop<K> loop;
  const Strided& first = *operands[0];
  for (int k = 0; k < K; ++k) loop.base[k] = static_cast<char*>(operands[k]->data);
  // Keep dims of size > 1, in order.
  for (int d = 0; d < first.ndim; ++d) {
    if (first.shape[d] == 1) continue;
    loop.shape[loop.ndim] = first.shape[d];
    for (int k = 0; k < K; ++k) loop.strides[k][loop.ndim] = operands[k]->strides[d] * int64_t(elem_size[k]);
    ++loop.ndim;
  }
  // Merge dim d into d+1 when, for every operand, stepping d equals stepping d+1 shape[d+1] times.
  int out = loop.ndim - 1;
  for (int d = loop.ndim - 2; d >= 0; --d) {
    bool mergeable = true;
    for (int k = 0; k < K; ++k)
      mergeable &= loop.strides[k][d] == loop.strides[k][out] * loop.shape[out];
    if (mergeable) {
      loop.shape[out] *= loop.shape[d];
    } else {
      --out;
      loop.shape[out] = loop.shape[d];
      for (int k = 0; k < K; ++k) loop.strides[k][out] = loop.strides[k][d];
    }
  }
  if (loop.ndim > 0) {  // shift the merged dims to the front
    int kept = loop.ndim - out;
    for (int d = 0; d < kept; ++d) {
      loop.shape[d] = loop.shape[out + d];
      for (int k = 0; k < K; ++k) loop.strides[k][d] = loop.strides[k][out + d];
    }
    loop.ndim = kept;
  }
  return loop;
}

// Calls inner(ptrs, inner_strides, n) for every row: ptrs[k] points at the row's first element
// of operand k, inner_strides[k] is its byte stride along the row. Rows run in parallel.
template <int K, class Inner>
void run_loop(const Loop<K>& loop, Inner&& inner) {
  std::array<int64_t, K> row_stride{};
  if (loop.ndim == 0) {
    std::array<char*, K> ptrs;
    for (int k = 0; k < K; ++k) ptrs[k] = loop.base[k];
    inner(ptrs, row_stride, int64_t(1));
    return;
  }
  const int last = loop.ndim - 1;
  const int64_t n = loop.shape[last];
  for (int k = 0; k < K; ++k) row_stride[k] = loop.strides[k][last];
  int64_t rows = 1;
  for (int d = 0; d < last; ++d) rows *= loop.shape[d];

  if (rows == 1) {  // one long row: split it into chunks
    const int64_t chunks = n >= 2 * kParallelGrain ? (n + kParallelGrain - 1) / kParallelGrain : 1;
#pragma omp parallel for schedule(static) if (chunks > 1)
    for (int64_t c = 0; c < chunks; ++c) {
      const int64_t begin = c * n / chunks, end = (c + 1) * n / chunks;
      std::array<char*, K> ptrs;
      for (int k = 0; k < K; ++k) ptrs[k] = loop.base[k] + begin * row_stride[k];
      inner(ptrs, row_stride, end - begin);
    }
    return;
  }
#pragma omp parallel for schedule(static) if (rows * n >= 2 * kParallelGrain)
  for (int64_t r = 0; r < rows; ++r) {
    std::array<char*, K> ptrs;
    for (int k = 0; k < K; ++k) ptrs[k] = loop.base[k];
    int64_t rest = r;
    for (int d = last - 1; d >= 0; --d) {
      const int64_t i = rest % loop.shape[d];
      rest /= loop.shape[d];
      for (int k = 0; k < K; ++k) ptrs[k] += i * loop.strides[k][d];
    }
    inner(ptrs, row_stride, n);
  }
}

// Runs fn(begin, end) over [0, n) split between threads when n * cost_per_item is large.
template <class Fn>
void parallel_for(int64_t n, int64_t cost_per_item, Fn&& fn) {
  const bool parallel = n > 1 && n * cost_per_item >= 2 * kParallelGrain;
  if (!parallel) {
    if (n > 0) fn(int64_t(0), n);
    return;
  }
#pragma omp parallel
  {
    const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num();
    const int64_t begin = t * n / threads, end = (t + 1) * n / threads;
    if (begin < end) fn(begin, end);
  }
}

}  // namespace minitorch::kernels::cpu
