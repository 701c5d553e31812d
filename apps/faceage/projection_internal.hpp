#pragma once
// The parts of faceage's PCA and t-SNE (projection.hpp), exposed for the tests and the benchmark.
#include <Eigen/Core>
#include <cstdint>
#include <vector>

#include "projection.hpp"

namespace faceage::projection {

using Matrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// The input as a matrix; throws on ragged rows, NaN/inf, or fewer than `min_rows` rows.
Matrix to_matrix(const Rows& x, const char* op, int64_t min_rows);
Matrix to_matrix(const minitorch::Tensor& x, const char* op, int64_t min_rows);

Pca2d pca_2d(const Matrix& x);

// Each point's k nearest other points by squared euclidean distance, nearest first (ties by
// index): row i of `index` and `dist2` is entries [i * k, (i + 1) * k).
struct Neighbors {
  int64_t n = 0, k = 0;
  std::vector<int32_t> index;
  std::vector<double> dist2;
};
Neighbors nearest_neighbors(const Matrix& x, int64_t k);

// p_{j|i} over each point's neighbours (rows sum to 1), with the Gaussian precision found by
// binary search so that the row's perplexity is `perplexity` (sklearn's tolerance: 1e-5 in
// entropy, at most 100 steps).
std::vector<double> conditional_p(const Neighbors& nn, double perplexity);

// The joint probabilities p_ij = (p_{j|i} + p_{i|j}) / sum, symmetric, in CSR form.
struct SparseP {
  std::vector<int64_t> row_start;  // n + 1 offsets into col and val
  std::vector<int32_t> col;
  std::vector<double> val;
};
SparseP joint_p(const Neighbors& nn, const std::vector<double>& conditional);

// A quad-tree over 2-D points (xy interleaved), rebuilt at every gradient step. Cells split at
// their centre; points closer than 1e-6 in both coordinates share a leaf. Nodes are stored in
// depth-first order, each with the index just past its subtree, so a traversal is a forward walk
// through one array without a stack.
class QuadTree {
 public:
  QuadTree(const double* xy, int64_t n);

  // For the point at `position` in order(): sum over the other points j of
  // w_ij = 1 / (1 + |y_i - y_j|^2), and force = sum of w_ij^2 (y_i - y_j). A cell is taken whole,
  // at its centre of mass, when width^2 < theta2 * distance^2. The point's own leaf counts
  // without it: its other points (duplicates of it) each add w = 1.
  double repulsion(int64_t position, double theta2, double force[2]) const;

  // Point indices in tree order (nearby points are adjacent): a cache-friendly visiting order.
  const std::vector<int32_t>& order() const { return order_; }

 private:
  struct Node {
    double cx, cy;  // centre of mass
    double width2;  // squared width of the cell
    int32_t count;  // points below
    int32_t first;  // the position in order_ of the first of them
    int32_t skip;   // the next node after this subtree; a leaf's is its own index + 1
  };
  void build(double x0, double y0, double size, int64_t begin, int64_t end, int depth);

  const double* xy_;
  std::vector<Node> nodes_;
  std::vector<int32_t> order_;
};

// The KL gradient at `y` (N x 2, xy interleaved) into `grad` (resized to match): 4 (exaggeration * attraction -
// repulsion / Z), the repulsion summarised by the quad-tree with `angle`. Returns the KL
// divergence computed as sklearn does (with the approximate Z, over P's non-zero entries) when
// `compute_kl`, else NaN.
double kl_gradient(const SparseP& p, const std::vector<double>& y, double angle, double exaggeration,
                   bool compute_kl, std::vector<double>& grad);

}  // namespace faceage::projection
