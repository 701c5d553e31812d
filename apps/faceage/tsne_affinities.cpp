// t-SNE's input affinities: exact nearest neighbours, per-point bandwidths matching the
// perplexity, and the symmetric joint probabilities.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <numeric>

#include "minitorch/error.hpp"
#include "projection_internal.hpp"

namespace faceage::projection {

Neighbors nearest_neighbors(const Matrix& x, int64_t k) {
  const int64_t n = x.rows();
  MT_CHECK(k >= 1 && k < n, "nearest_neighbors: k = ", k, " must be in [1, N) = [1, ", n, ")");
  Neighbors nn{n, k, std::vector<int32_t>(size_t(n * k)), std::vector<double>(size_t(n * k))};
  const Eigen::VectorXd norms = x.rowwise().squaredNorm();
  const double max_norm = n > 0 ? norms.maxCoeff() : 0;
  // Distances by blocks of rows through |a|^2 + |b|^2 - 2 a.b, one GEMM per block. That formula
  // rounds differently with the GEMM's blocking (which follows the thread count), so it only
  // shortlists: every candidate within a rounding margin of the k-th is measured again directly,
  // and the k nearest by exact distance (then index) are kept. Integer data such as digits has
  // many exact ties, which this keeps deterministic.
  const int64_t block = 256;
  for (int64_t b0 = 0; b0 < n; b0 += block) {
    const int64_t rows = std::min(block, n - b0);
    const Eigen::MatrixXd dots = x.middleRows(b0, rows) * x.transpose();
#pragma omp parallel
    {
      std::vector<std::pair<double, int32_t>> cand(static_cast<size_t>(n));
#pragma omp for schedule(static)
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t i = b0 + r;
        int64_t m = 0;
        for (int64_t j = 0; j < n; ++j)
          if (j != i) cand[size_t(m++)] = {norms(i) + norms(j) - 2 * dots(r, j), int32_t(j)};
        std::nth_element(cand.begin(), cand.begin() + (k - 1), cand.begin() + m);
        const double cutoff = cand[size_t(k - 1)].first + 1e-9 * (norms(i) + max_norm + 1);
        const auto last = std::partition(cand.begin() + k, cand.begin() + m, [&](const auto& c) { return c.first <= cutoff; });
        for (auto c = cand.begin(); c != last; ++c) c->first = (x.row(i) - x.row(c->second)).squaredNorm();
        std::partial_sort(cand.begin(), cand.begin() + k, last);
        for (int64_t t = 0; t < k; ++t) {
          nn.dist2[size_t(i * k + t)] = cand[size_t(t)].first;
          nn.index[size_t(i * k + t)] = cand[size_t(t)].second;
        }
      }
    }
  }
  return nn;
}

std::vector<double> conditional_p(const Neighbors& nn, double perplexity) {
  const int64_t n = nn.n, k = nn.k;
  const double target = std::log(perplexity);
  std::vector<double> p(size_t(n * k));
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const double* d = &nn.dist2[size_t(i * k)];
    double* row = &p[size_t(i * k)];
    // Entropy decreases as the precision beta grows: double or halve it until the target is
    // bracketed, then bisect.
    double beta = 1, lo = -INFINITY, hi = INFINITY;
    for (int step = 0; step < 100; ++step) {
      double sum = 0;
      for (int64_t j = 0; j < k; ++j) sum += row[j] = std::exp(-d[j] * beta);
      if (sum == 0) sum = 1e-8;
      double mean_d = 0;
      for (int64_t j = 0; j < k; ++j) {
        row[j] /= sum;
        mean_d += d[j] * row[j];
      }
      const double excess = std::log(sum) + beta * mean_d - target;
      if (std::abs(excess) <= 1e-5) break;
      if (excess > 0) {
        lo = beta;
        beta = hi == INFINITY ? beta * 2 : (beta + hi) / 2;
      } else {
        hi = beta;
        beta = lo == -INFINITY ? beta / 2 : (beta + lo) / 2;
      }
    }
  }
  return p;
}

SparseP joint_p(const Neighbors& nn, const std::vector<double>& conditional) {
  const int64_t n = nn.n, k = nn.k;
  // Every (i, j) neighbour pair lands in row i and in row j; duplicates (j also has i as a
  // neighbour) are merged after sorting each row by column.
  std::vector<int64_t> count(size_t(n) + 1, 0);
  for (int64_t i = 0; i < n; ++i) {
    count[size_t(i) + 1] += k;
    for (int64_t t = 0; t < k; ++t) count[size_t(nn.index[size_t(i * k + t)]) + 1] += 1;
  }
  std::partial_sum(count.begin(), count.end(), count.begin());
  std::vector<std::pair<int32_t, double>> entries(size_t(count[size_t(n)]));
  std::vector<int64_t> fill(count.begin(), count.end() - 1);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t t = 0; t < k; ++t) {
      const int32_t j = nn.index[size_t(i * k + t)];
      const double v = conditional[size_t(i * k + t)];
      entries[size_t(fill[size_t(i)]++)] = {j, v};
      entries[size_t(fill[size_t(j)]++)] = {int32_t(i), v};
    }

  SparseP p;
  p.row_start.assign(size_t(n) + 1, 0);
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    const auto first = entries.begin() + count[size_t(i)], last = entries.begin() + count[size_t(i) + 1];
    std::sort(first, last, [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto e = first; e != last; ++e) {
      if (!p.col.empty() && int64_t(p.col.size()) > p.row_start[size_t(i)] && p.col.back() == e->first) {
        p.val.back() += e->second;
      } else {
        p.col.push_back(e->first);
        p.val.push_back(e->second);
      }
      total += e->second;
    }
    p.row_start[size_t(i) + 1] = int64_t(p.col.size());
  }
  const double scale = 1 / std::max(total, DBL_EPSILON);
  for (double& v : p.val) v *= scale;
  return p;
}

}  // namespace faceage::projection
