// t-SNE's optimisation, following scikit-learn 1.2's TSNE(method="barnes_hut"): two runs of
// gradient descent with momentum and per-coordinate gains, the first with exaggerated P.
#include <cfloat>
#include <cmath>
#include <iostream>

#include "minitorch/error.hpp"
#include "minitorch/ops/creation.hpp"
#include "minitorch/random.hpp"
#include "projection_internal.hpp"

namespace faceage {

namespace projection {

namespace {

constexpr int kCheckEvery = 50;  // the KL divergence is computed (and progress checked) this often

struct Phase {
  int first, last;  // iterations [first, last)
  double momentum, exaggeration;
  int without_progress;
};

struct PhaseResult {
  double kl;
  int last_iter;
};

// sklearn's _gradient_descent: fresh momentum and gains for each phase.
PhaseResult descend(const SparseP& p, std::vector<double>& y, const Phase& phase, double learning_rate,
                    const TsneOptions& o) {
  std::vector<double> update(y.size(), 0.0), gains(y.size(), 1.0), grad(y.size());
  double kl = DBL_MAX, best = DBL_MAX;
  int best_iter = phase.first, i = phase.first;
  for (; i < phase.last; ++i) {
    const bool check = (i + 1) % kCheckEvery == 0;
    kl = kl_gradient(p, y, o.angle, phase.exaggeration, check || i == phase.last - 1, grad);
    double norm2 = 0;
    for (size_t c = 0; c < y.size(); ++c) {
      // A gain grows while the gradient keeps pointing against the last step, shrinks otherwise.
      gains[c] = update[c] * grad[c] < 0 ? gains[c] + 0.2 : std::max(gains[c] * 0.8, 0.01);
      grad[c] *= gains[c];
      update[c] = phase.momentum * update[c] - learning_rate * grad[c];
      y[c] += update[c];
      norm2 += grad[c] * grad[c];
    }
    if (!check) continue;
    if (o.verbose)
      std::cerr << "[t-SNE] Iteration " << i + 1 << ": error = " << kl << ", gradient norm = " << std::sqrt(norm2) << "\n";
    if (kl < best) {
      best = kl;
      best_iter = i;
    } else if (i - best_iter > phase.without_progress) {
      break;
    }
    if (std::sqrt(norm2) <= o.min_grad_norm) break;
  }
  return {kl, std::min(i, phase.last - 1)};
}

void check_options(const TsneOptions& o, int64_t n) {
  MT_CHECK(o.perplexity > 0 && o.perplexity < double(n), "tsne_2d: perplexity must be in (0, N) = (0, ", n, "), got ",
           o.perplexity);
  MT_CHECK(o.early_exaggeration >= 1, "tsne_2d: early_exaggeration must be >= 1, got ", o.early_exaggeration);
  MT_CHECK(o.exploration_iter >= 0 && o.max_iter >= o.exploration_iter, "tsne_2d: need 0 <= exploration_iter (",
           o.exploration_iter, ") <= max_iter (", o.max_iter, ")");
  MT_CHECK(o.angle >= 0 && o.angle <= 1, "tsne_2d: angle must be in [0, 1], got ", o.angle);
}

// The starting embedding, sklearn's init="pca": the PCA projection scaled so that the first
// coordinate has standard deviation 1e-4 (small, as a random start would be).
std::vector<double> initial_embedding(const Matrix& x, const TsneOptions& o) {
  const int64_t n = x.rows();
  std::vector<double> y(size_t(2 * n));
  const bool pca = o.pca_init && x.cols() >= 2;
  if (pca) {
    const Pca2d proj = pca_2d(x);
    double mean = 0, var = 0;
    for (const auto& pt : proj.points) mean += pt[0] / double(n);
    for (const auto& pt : proj.points) var += (pt[0] - mean) * (pt[0] - mean) / double(n);
    if (var > 0) {
      const double scale = 1e-4 / std::sqrt(var);
      for (int64_t i = 0; i < n; ++i)
        y[size_t(2 * i)] = proj.points[size_t(i)][0] * scale, y[size_t(2 * i + 1)] = proj.points[size_t(i)][1] * scale;
      return y;
    }
  }
  // Random start (asked for, or data without variance to take a PCA of).
  minitorch::Generator gen(o.seed);
  const std::vector<double> noise = minitorch::randn({n, 2}, {.dtype = minitorch::kFloat64}, &gen).to_vector<double>();
  for (size_t c = 0; c < y.size(); ++c) y[c] = 1e-4 * noise[c];
  return y;
}

Tsne2d tsne(const Matrix& x, const TsneOptions& o) {
  const int64_t n = x.rows();
  check_options(o, n);
  const Neighbors nn = nearest_neighbors(x, std::min<int64_t>(n - 1, int64_t(3 * o.perplexity + 1)));
  const SparseP p = joint_p(nn, conditional_p(nn, o.perplexity));
  std::vector<double> y = initial_embedding(x, o);
  const double learning_rate =
      o.learning_rate > 0 ? o.learning_rate : std::max(double(n) / o.early_exaggeration / 4, 50.0);

  PhaseResult r = descend(p, y, {0, o.exploration_iter, 0.5, o.early_exaggeration, o.exploration_iter},
                          learning_rate, o);
  if (r.last_iter + 1 < o.max_iter)
    r = descend(p, y, {r.last_iter + 1, o.max_iter, 0.8, 1.0, o.iter_without_progress}, learning_rate, o);

  Tsne2d out;
  out.points.resize(size_t(n));
  for (int64_t i = 0; i < n; ++i) out.points[size_t(i)] = {y[size_t(2 * i)], y[size_t(2 * i + 1)]};
  out.kl_divergence = r.kl;
  out.iterations = r.last_iter + 1;
  return out;
}

}  // namespace

}  // namespace projection

Tsne2d tsne_2d(const Rows& x, const TsneOptions& options) {
  return projection::tsne(projection::to_matrix(x, "tsne_2d", 2), options);
}
Tsne2d tsne_2d(const minitorch::Tensor& x, const TsneOptions& options) {
  return projection::tsne(projection::to_matrix(x, "tsne_2d", 2), options);
}

}  // namespace faceage
