#pragma once
// Two-dimensional projections of feature vectors, as the seed's PCA(n_components=2) and
// TSNE(n_components=2, random_state=42) from scikit-learn 1.2 compute them.
//
// Input is N rows of D features: a vector of rows or a [N, D] minitorch::Tensor of any numeric
// dtype (read as float64). NaN or inf anywhere is an Error.
#include <array>
#include <cstdint>
#include <vector>

#include "minitorch/tensor.hpp"

namespace faceage {

using Rows = std::vector<std::vector<double>>;

struct Pca2d {
  std::vector<std::array<double, 2>> points;       // each row projected on the two components
  std::array<std::vector<double>, 2> components;   // unit vectors in feature space (sklearn's components_)
  std::vector<double> mean;                        // the column means subtracted first
  std::array<double, 2> explained_variance{};      // variance along each component (ddof = 1)
  std::array<double, 2> explained_variance_ratio{};  // ... as a fraction of the total variance
};

// PCA through the eigen-decomposition of the covariance matrix. Signs follow sklearn's
// svd_flip(U, Vt): in each component's column of projections, the entry of largest absolute value
// (the first, on ties) is positive. Needs N >= 2 and D >= 2. Data without variance gives zero
// projections and ratios (where sklearn would divide by zero).
Pca2d pca_2d(const Rows& x);
Pca2d pca_2d(const minitorch::Tensor& x);

// Barnes-Hut t-SNE with sklearn 1.2's defaults.
struct TsneOptions {
  double perplexity = 30;            // must be less than N
  double early_exaggeration = 12;
  double learning_rate = 0;          // <= 0: "auto", max(N / early_exaggeration / 4, 50)
  int max_iter = 1000;               // all iterations, at least exploration_iter
  int exploration_iter = 250;        // with early exaggeration and momentum 0.5, then 0.8
  int iter_without_progress = 300;   // stop when the KL divergence has not improved for this long
  double min_grad_norm = 1e-7;       // ... or when the gradient is this small
  double angle = 0.5;                // Barnes-Hut's theta: a cell of width w at distance d is summarised when w / d < angle
  bool pca_init = true;              // PCA scaled to std 1e-4 on the first axis; else N(0, 1e-4^2) from
                                     // `seed` (also used for data with one feature or no variance)
  uint64_t seed = 42;
  bool verbose = false;              // progress on stderr every 50 iterations
};

struct Tsne2d {
  std::vector<std::array<double, 2>> points;
  double kl_divergence = 0;  // at the last iteration, as sklearn's kl_divergence_
  int iterations = 0;        // iterations run (sklearn's n_iter_ + 1)
};

// Affinities from each point's exact 3 * perplexity nearest neighbours (squared euclidean
// distances, Gaussian bandwidth found by binary search to match the perplexity), symmetrised and
// normalised; then gradient descent on KL(P || Q) with Student-t Q, momentum and per-coordinate
// gains, the repulsive forces summarised by a quad-tree. OpenMP-parallel; the result does not
// depend on the number of threads.
Tsne2d tsne_2d(const Rows& x, const TsneOptions& options = {});
Tsne2d tsne_2d(const minitorch::Tensor& x, const TsneOptions& options = {});

}  // namespace faceage
