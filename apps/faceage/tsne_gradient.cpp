// The t-SNE gradient: attraction over P's sparse entries, repulsion summarised by a quad-tree
// (Barnes-Hut), as in van der Maaten's "Accelerating t-SNE using tree-based algorithms" (2014).
#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>

#include "projection_internal.hpp"

namespace faceage::projection {

namespace {

constexpr double kDuplicate = 1e-6;  // points this close in both coordinates are one point
constexpr int kMaxDepth = 60;        // deeper cells would be narrower than kDuplicate anyway

}  // namespace

QuadTree::QuadTree(const double* xy, int64_t n) : xy_(xy), order_(size_t(n)) {
  for (int64_t i = 0; i < n; ++i) order_[size_t(i)] = int32_t(i);
  double x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  for (int64_t i = 0; i < n; ++i) {
    x_lo = std::min(x_lo, xy[2 * i]), x_hi = std::max(x_hi, xy[2 * i]);
    y_lo = std::min(y_lo, xy[2 * i + 1]), y_hi = std::max(y_hi, xy[2 * i + 1]);
  }
  // A square root cell a little larger than the data, so no point sits on its far edge.
  const double size = std::max({x_hi - x_lo, y_hi - y_lo, kDuplicate}) * (1 + 1e-3);
  nodes_.reserve(size_t(2 * n + 1));
  build(x_lo, y_lo, size, 0, n, 0);
}

void QuadTree::build(double x0, double y0, double size, int64_t begin, int64_t end, int depth) {
  double cx = 0, cy = 0, x_lo = INFINITY, x_hi = -INFINITY, y_lo = INFINITY, y_hi = -INFINITY;
  for (int64_t t = begin; t < end; ++t) {
    const double x = xy_[2 * order_[size_t(t)]], y = xy_[2 * order_[size_t(t)] + 1];
    cx += x, cy += y;
    x_lo = std::min(x_lo, x), x_hi = std::max(x_hi, x), y_lo = std::min(y_lo, y), y_hi = std::max(y_hi, y);
  }
  const int64_t count = end - begin;
  const auto self = int32_t(nodes_.size());
  nodes_.push_back({cx / double(count), cy / double(count), size * size, int32_t(count), int32_t(begin), self + 1});
  if (count == 1 || depth == kMaxDepth || (x_hi - x_lo <= kDuplicate && y_hi - y_lo <= kDuplicate)) return;

  // Sort the points into the four quadrants: below/above the horizontal midline, then each half
  // left/right of the vertical one.
  const double half = size / 2, mx = x0 + half, my = y0 + half;
  int32_t* first = order_.data() + begin;
  int32_t* last = order_.data() + end;
  int32_t* split_y = std::partition(first, last, [&](int32_t i) { return xy_[2 * i + 1] < my; });
  int32_t* split_x0 = std::partition(first, split_y, [&](int32_t i) { return xy_[2 * i] < mx; });
  int32_t* split_x1 = std::partition(split_y, last, [&](int32_t i) { return xy_[2 * i] < mx; });
  const std::array<int32_t*, 5> bounds = {first, split_x0, split_y, split_x1, last};
  const std::array<std::array<double, 2>, 4> corners = {{{x0, y0}, {mx, y0}, {x0, my}, {mx, my}}};
  for (size_t q = 0; q < 4; ++q)
    if (bounds[q] != bounds[q + 1])
      build(corners[q][0], corners[q][1], half, bounds[q] - order_.data(), bounds[q + 1] - order_.data(), depth + 1);
  nodes_[size_t(self)].skip = int32_t(nodes_.size());
}

double QuadTree::repulsion(int64_t position, double theta2, double force[2]) const {
  const int32_t point = order_[size_t(position)];
  const double x = xy_[2 * point], y = xy_[2 * point + 1];
  double z = 0, fx = 0, fy = 0;
  const auto end = int32_t(nodes_.size());
  for (int32_t i = 0; i < end;) {
    const Node& c = nodes_[size_t(i)];
    const double dx = x - c.cx, dy = y - c.cy, d2 = dx * dx + dy * dy;
    const bool leaf = c.skip == i + 1;
    if (!leaf && !(c.width2 < theta2 * d2)) {  // too close to summarise: visit the children
      ++i;
      continue;
    }
    i = c.skip;
    const bool own_leaf = leaf && c.first <= position && position < c.first + c.count;
    const double others = double(c.count) - (own_leaf ? 1 : 0);  // without the point itself
    if (others == 0) continue;
    const double w = 1 / (1 + d2), cw = others * w;
    z += cw;
    fx += cw * w * dx;
    fy += cw * w * dy;
  }
  force[0] = fx;
  force[1] = fy;
  return z;
}

double kl_gradient(const SparseP& p, const std::vector<double>& y, double angle, double exaggeration,
                   bool compute_kl, std::vector<double>& grad) {
  const auto n = int64_t(y.size() / 2);
  const QuadTree tree(y.data(), n);
  const auto un = static_cast<size_t>(n);
  grad.resize(y.size());
  // Per point: z_i (its share of Z), the repulsion (to be divided by Z), the attraction, and
  // sum_j p_ij log(p_ij / w_ij) and sum_j p_ij for the KL divergence, where w_ij = Z q_ij.
  std::vector<double> z(un), repulse(2 * un), attract(2 * un), kl_terms(un, 0.0), p_sums(un, 0.0);
  const double theta2 = angle * angle;
  // One parallel loop per step (a barrier costs much when the cores are shared). Neighbouring
  // points in tree order walk nearly the same cells: each thread takes runs of them.
#pragma omp parallel for schedule(dynamic, 32)
  for (int64_t t = 0; t < n; ++t) {
    const int32_t i = tree.order()[size_t(t)];
    const double yx = y[size_t(2 * i)], yy = y[size_t(2 * i + 1)];
    z[size_t(i)] = tree.repulsion(t, theta2, &repulse[size_t(2 * i)]);
    double ax = 0, ay = 0, kl = 0, p_sum = 0;
    for (int64_t e = p.row_start[size_t(i)]; e < p.row_start[size_t(i) + 1]; ++e) {
      const int32_t j = p.col[size_t(e)];
      const double dx = yx - y[size_t(2 * j)], dy = yy - y[size_t(2 * j + 1)];
      const double d2 = dx * dx + dy * dy, w = 1 / (1 + d2), pij = exaggeration * p.val[size_t(e)];
      ax += pij * w * dx;
      ay += pij * w * dy;
      if (compute_kl) {
        // log(p / (w / Z)) = log(p / w) + log Z: the log Z part is added once Z is known. p is
        // clipped at float32's smallest normal number, as sklearn does, so that p = 0 adds 0.
        kl += pij * std::log(std::max(pij, double(FLT_MIN)) * (1 + d2));
        p_sum += pij;
      }
    }
    attract[size_t(2 * i)] = ax, attract[size_t(2 * i + 1)] = ay;
    kl_terms[size_t(i)] = kl, p_sums[size_t(i)] = p_sum;
  }
  // Sums in index order: the same result for any number of threads.
  double sum_z = 0, kl = 0, p_total = 0;
  for (size_t i = 0; i < un; ++i) sum_z += z[i], kl += kl_terms[i], p_total += p_sums[i];
  sum_z = std::max(sum_z, DBL_MIN);
  for (size_t c = 0; c < 2 * un; ++c) grad[c] = 4 * (attract[c] - repulse[c] / sum_z);
  return compute_kl ? kl + p_total * std::log(sum_z) : NAN;
}

}  // namespace faceage::projection
