#pragma once
// Reference kernels: the plainest correct loops, in double precision. The fast kernels are
// tested against these (tests/test_kernels.cpp); read these first to learn what a kernel computes.
#include <cmath>
#include <cstdint>

#include "kernels.hpp"

namespace minitorch::kernels::reference {

// C = alpha op(A) op(B) + beta C, one matrix, row-major, as GemmArgs describes.
template <class T>
void gemm(const GemmArgs& g, const T* a, const T* b, T* c) {
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t j = 0; j < g.n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < g.k; ++p) {
        const double x = g.trans_a ? a[p * g.lda + i] : a[i * g.lda + p];
        const double y = g.trans_b ? b[j * g.ldb + p] : b[p * g.ldb + j];
        acc += x * y;
      }
      T& out = c[i * g.ldc + j];
      out = T(g.alpha * acc + (g.beta == 0 ? 0.0 : g.beta * double(out)));
    }
}

// y = softmax(x) or log_softmax(x) of each row of a [rows, cols] matrix.
template <class T>
void softmax_rows(const T* x, int64_t rows, int64_t cols, T* y, bool log) {
  for (int64_t r = 0; r < rows; ++r) {
    const T* in = x + r * cols;
    double m = in[0], total = 0;
    for (int64_t c = 1; c < cols; ++c) m = in[c] > m ? in[c] : m;
    for (int64_t c = 0; c < cols; ++c) total += std::exp(double(in[c]) - m);
    for (int64_t c = 0; c < cols; ++c)
      y[r * cols + c] = T(log ? double(in[c]) - m - std::log(total) : std::exp(double(in[c]) - m) / total);
  }
}

// out[r] = sum of row r.
template <class T>
void sum_rows(const T* x, int64_t rows, int64_t cols, T* out) {
  for (int64_t r = 0; r < rows; ++r) {
    double acc = 0;
    for (int64_t c = 0; c < cols; ++c) acc += x[r * cols + c];
    out[r] = T(acc);
  }
}

}  // namespace minitorch::kernels::reference
