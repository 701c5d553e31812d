// Row reductions (sum, mean, var, max, min) and row softmax on the CPU.
//
// Sums are deterministic whatever the thread count: a row is cut into fixed-size chunks, each
// chunk is summed on its own (SIMD), and the chunk sums are added in a fixed binary tree. Threads only decide
// who computes which chunk, never the order of the additions.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "cpu_backend.hpp"
#include "loops.hpp"
#include "simd.hpp"

namespace minitorch::kernels::cpu {

namespace {

constexpr int64_t kSumChunk = 4096;

template <class T> using acc_t = std::conditional_t<std::is_floating_point_v<T>, T, int64_t>;

// A running sum takes at most this many terms before it is added one level up: each value then
// meets about 16 + 16 + log2 additions instead of hundreds, which keeps float32 sums of many
// equal values (whose roundings all lean one way) near float32's own precision.
constexpr int kTermsPerLevel = 16;

// sum of f(x[i]) for one chunk, in 16 interleaved partial sums combined pairwise. The order of
// additions is spelled out, so every build (any -O level, any SIMD width) gives the same bits,
// and the compiler can still keep the 16 partial sums in one vector register.
template <class T, class F>
acc_t<T> chunk_sum(const T* x, int64_t n, F f) {
  constexpr int kLanes = 16;
  acc_t<T> lanes[kLanes] = {};
  int64_t i = 0;
  while (i + kLanes <= n) {
    const int64_t terms = std::min<int64_t>(kTermsPerLevel, (n - i) / kLanes);
    acc_t<T> level[kLanes] = {};
    for (int64_t k = 0; k < terms; ++k, i += kLanes)
      for (int l = 0; l < kLanes; ++l) level[l] += f(x[i + l]);
    for (int l = 0; l < kLanes; ++l) lanes[l] += level[l];
  }
  acc_t<T> tail = 0;
  for (; i < n; ++i) tail += f(x[i]);
  for (int width = kLanes / 2; width > 0; width /= 2)
    for (int l = 0; l < width; ++l) lanes[l] += lanes[l + width];
  return lanes[0] + tail;
}

// Adds `count` arrays of `len` partial sums (array k at partials + k * len) into the first, in a
// fixed binary tree: the rounding error grows with log2(count) rather than count, as it would
// adding them one after another (10M float32 values of 0.1 drifted by 2e-5 of their sum), and
// the order, hence the bits, never depends on the thread count.
template <class A>
void tree_sum(A* partials, int64_t count, int64_t len) {
  for (int64_t width = 1; width < count; width *= 2)
    for (int64_t k = 0; k + width < count; k += 2 * width) {
      A* dst = partials + k * len;
      const A* src = partials + (k + width) * len;
#pragma omp simd
      for (int64_t i = 0; i < len; ++i) dst[i] += src[i];
    }
}

// sum of f(x[i]) over a row, chunk by chunk; `parallel` spreads the chunks over the threads.
template <class T, class F>
acc_t<T> row_sum(const T* x, int64_t n, F f, bool parallel) {
  const int64_t chunks = (n + kSumChunk - 1) / kSumChunk;
  if (chunks <= 1) return chunk_sum(x, n, f);
  std::vector<acc_t<T>> partial(chunks);
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t c = 0; c < chunks; ++c) {
    const int64_t begin = c * kSumChunk, len = std::min(kSumChunk, n - begin);
    partial[c] = chunk_sum(x + begin, len, f);
  }
  tree_sum(partial.data(), chunks, 1);
  return partial[0];
}

template <class T>
void reduce_typed(ReduceOp op, const T* x, int64_t rows, int64_t cols, T* out, int64_t* index_out,
                  double correction) {
  // Few long rows: parallel inside each row. Many rows: parallel over rows.
  const bool inner_parallel = rows < omp_get_max_threads() && cols >= 2 * kParallelGrain;
  auto identity = [](T v) { return acc_t<T>(v); };
  auto each_row = [&](auto&& fn) {
    if (inner_parallel) {
      for (int64_t r = 0; r < rows; ++r) fn(r);
    } else {
      parallel_for(rows, cols, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r) fn(r);
      });
    }
  };
  switch (op) {
    case ReduceOp::Sum:
      each_row([&](int64_t r) { out[r] = T(row_sum(x + r * cols, cols, identity, inner_parallel)); });
      return;
    case ReduceOp::Mean:
      each_row([&](int64_t r) {
        out[r] = T(row_sum(x + r * cols, cols, identity, inner_parallel) / acc_t<T>(cols));
      });
      return;
    case ReduceOp::Var:
      if constexpr (std::is_floating_point_v<T>) {
        // Two passes (mean, then squared deviations): stable where E[x^2] - E[x]^2 is not.
        each_row([&](int64_t r) {
          const T* row = x + r * cols;
          const T mean = row_sum(row, cols, identity, inner_parallel) / T(cols);
          const T ss = row_sum(row, cols, [mean](T v) { return (v - mean) * (v - mean); }, inner_parallel);
          const double denom = double(cols) - correction;
          out[r] = denom > 0 ? T(ss / denom) : std::numeric_limits<T>::quiet_NaN();
        });
        return;
      }
      break;
    case ReduceOp::Max:
    case ReduceOp::Min: {
      const bool is_max = op == ReduceOp::Max;
      each_row([&](int64_t r) {
        const T* row = x + r * cols;
        int64_t best = 0;
        for (int64_t c = 1; c < cols; ++c) {
          if (row[best] != row[best]) break;  // NaN wins, as in PyTorch
          if (row[c] != row[c] || (is_max ? row[c] > row[best] : row[c] < row[best])) best = c;
        }
        out[r] = row[best];
        if (index_out) index_out[r] = best;
      });
      return;
    }
  }
  detail::fail("reduce kernel: op ", int(op), " is not defined for ", dtype_name(dtype_of<T>::value));
}

template <class T>
void softmax_row(const T* x, T* y, int64_t n, bool log) {
  // softmax(x) = exp(x - m) / sum exp(x - m) with m = max(x), so no exp overflows.
  T m = x[0];
  for (int64_t i = 1; i < n; ++i) m = x[i] > m ? x[i] : m;
  T total;
  if constexpr (std::is_same_v<T, float>) {
    total = simd::exp_shifted_sum(x, -m, y, n);
  } else {
    total = 0;
    for (int64_t i = 0; i < n; ++i) total += (y[i] = std::exp(x[i] - m));
  }
  if (log) {
    const T log_total = std::log(total);
    for (int64_t i = 0; i < n; ++i) y[i] = x[i] - m - log_total;
  } else {
    const T inv = T(1) / total;
    for (int64_t i = 0; i < n; ++i) y[i] *= inv;
  }
}

}  // namespace

void CpuBackend::reduce_rows(ReduceOp op, DType t, const void* x, int64_t rows, int64_t cols, void* out,
                             int64_t* index_out, double correction) {
  visit_compute_dtype(t, "reduce kernel", [&](auto tag) {
    using T = typename decltype(tag)::type;
    reduce_typed<T>(op, static_cast<const T*>(x), rows, cols, static_cast<T*>(out), index_out, correction);
  });
}

void CpuBackend::sum_columns(DType t, const void* x, int64_t rows, int64_t cols, void* out) {
  visit_compute_dtype(t, "sum_columns kernel", [&](auto tag) {
    using T = typename decltype(tag)::type;
    using A = acc_t<T>;
    const T* in = static_cast<const T*>(x);
    // Fixed blocks of rows, each summed on its own, then the block sums added in a fixed tree:
    // the same result whatever the thread count.
    constexpr int64_t kRowsPerBlock = 256;
    const int64_t blocks = std::max<int64_t>(1, (rows + kRowsPerBlock - 1) / kRowsPerBlock);
    std::vector<A> partial(static_cast<size_t>(blocks * cols), A(0));
    parallel_for(blocks, kRowsPerBlock * cols, [&](int64_t begin, int64_t end) {
      std::vector<A> level(static_cast<size_t>(cols));
      for (int64_t b = begin; b < end; ++b) {
        A* acc = partial.data() + b * cols;
        const int64_t block_end = std::min(rows, (b + 1) * kRowsPerBlock);
        for (int64_t r0 = b * kRowsPerBlock; r0 < block_end; r0 += kTermsPerLevel) {
          std::fill(level.begin(), level.end(), A(0));
          for (int64_t r = r0; r < std::min(block_end, r0 + kTermsPerLevel); ++r) {
            const T* row = in + r * cols;
            A* lv = level.data();
#pragma omp simd
            for (int64_t c = 0; c < cols; ++c) lv[c] += A(row[c]);
          }
#pragma omp simd
          for (int64_t c = 0; c < cols; ++c) acc[c] += level[size_t(c)];
        }
      }
    });
    tree_sum(partial.data(), blocks, cols);
    T* o = static_cast<T*>(out);
    for (int64_t c = 0; c < cols; ++c) o[c] = T(partial[size_t(c)]);
  });
}

void CpuBackend::softmax_rows(DType t, const void* x, int64_t rows, int64_t cols, void* y, bool log) {
  visit_floating_dtype(t, "softmax kernel", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* in = static_cast<const T*>(x);
    T* o = static_cast<T*>(y);
    parallel_for(rows, cols * 8, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) softmax_row(in + r * cols, o + r * cols, cols, log);
    });
  });
}

}  // namespace minitorch::kernels::cpu
