// PCA to two components, with scikit-learn's sign convention.
#include <Eigen/Eigenvalues>
#include <cmath>

#include "minitorch/error.hpp"
#include "projection_internal.hpp"

namespace faceage {

namespace projection {

namespace {

void check_finite(const Matrix& m, const char* op) {
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j)
      MT_CHECK(std::isfinite(m(i, j)), op, ": element [", i, ", ", j, "] is ", m(i, j));
}

}  // namespace

Matrix to_matrix(const Rows& x, const char* op, int64_t min_rows) {
  MT_CHECK(int64_t(x.size()) >= min_rows, op, ": needs at least ", min_rows, " rows, got ", x.size());
  const size_t d = x.empty() ? 0 : x[0].size();
  Matrix m(Eigen::Index(x.size()), Eigen::Index(d));
  for (size_t i = 0; i < x.size(); ++i) {
    MT_CHECK(x[i].size() == d, op, ": row ", i, " has ", x[i].size(), " values, row 0 has ", d);
    for (size_t j = 0; j < d; ++j) m(Eigen::Index(i), Eigen::Index(j)) = x[i][j];
  }
  check_finite(m, op);
  return m;
}

Matrix to_matrix(const minitorch::Tensor& x, const char* op, int64_t min_rows) {
  MT_CHECK(x.defined() && x.dim() == 2, op, ": expected a [N, D] tensor, got ",
           x.defined() ? minitorch::shape_str(x.shape()) : "an undefined tensor");
  MT_CHECK(x.size(0) >= min_rows, op, ": needs at least ", min_rows, " rows, got ", x.size(0));
  const std::vector<double> values = x.to_vector<double>();
  Matrix m = Eigen::Map<const Matrix>(values.data(), x.size(0), x.size(1));
  check_finite(m, op);
  return m;
}

Pca2d pca_2d(const Matrix& x) {
  MT_CHECK(x.cols() >= 2, "pca_2d: needs at least 2 features for 2 components, got ", x.cols());
  const Eigen::RowVectorXd mean = x.colwise().mean();
  const Matrix centered = x.rowwise() - mean;
  // The covariance is D x D, small next to the N x D data for the feature sizes used here, and
  // its top eigenvectors are the right singular vectors of the centred data. Eigen's rank update
  // runs on one thread, so the result does not depend on the thread count (its GEMM's would).
  Eigen::MatrixXd cov = Eigen::MatrixXd::Zero(x.cols(), x.cols());
  cov.selfadjointView<Eigen::Lower>().rankUpdate(centered.transpose(), 1.0 / double(x.rows() - 1));
  cov = cov.selfadjointView<Eigen::Lower>();
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);
  MT_CHECK(eig.info() == Eigen::Success, "pca_2d: the eigen-decomposition did not converge");

  Pca2d out;
  const double total = cov.trace();
  const Eigen::Index d = x.cols();
  Eigen::MatrixXd scores(x.rows(), 2);
  for (int k = 0; k < 2; ++k) {
    Eigen::VectorXd v = eig.eigenvectors().col(d - 1 - k);  // eigenvalues come in increasing order
    Eigen::VectorXd s = centered * v;
    // sklearn's svd_flip(U, Vt): the largest |U[:, k]| (first on ties) is made positive; U's
    // column is the projections divided by a positive singular value.
    Eigen::Index at = 0;
    for (Eigen::Index i = 1; i < s.size(); ++i)
      if (std::abs(s(i)) > std::abs(s(at))) at = i;
    if (s(at) < 0) v = -v, s = -s;
    scores.col(k) = s;
    out.components[size_t(k)].assign(v.data(), v.data() + d);
    out.explained_variance[size_t(k)] = std::max(eig.eigenvalues()(d - 1 - k), 0.0);
    out.explained_variance_ratio[size_t(k)] = total > 0 ? out.explained_variance[size_t(k)] / total : 0.0;
  }
  out.mean.assign(mean.data(), mean.data() + d);
  out.points.resize(size_t(x.rows()));
  for (Eigen::Index i = 0; i < x.rows(); ++i) out.points[size_t(i)] = {scores(i, 0), scores(i, 1)};
  return out;
}

}  // namespace projection

Pca2d pca_2d(const Rows& x) { return projection::pca_2d(projection::to_matrix(x, "pca_2d", 2)); }
Pca2d pca_2d(const minitorch::Tensor& x) { return projection::pca_2d(projection::to_matrix(x, "pca_2d", 2)); }

}  // namespace faceage
