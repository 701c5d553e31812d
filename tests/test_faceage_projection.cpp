// faceage's PCA and t-SNE against scikit-learn 1.2 (tests/fixtures/tsne/, written by
// tools/tsne_reference.py), and the parts of t-SNE against brute-force computations.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "helpers.hpp"
#include "projection_internal.hpp"

using namespace faceage;
namespace pj = faceage::projection;

namespace {

const std::string kDir = std::string(MINITORCH_FIXTURES) + "/tsne/";

// reference.txt: "key values..." per line; "tsne NAME ..." lines are keyed "tsne NAME".
std::map<std::string, std::vector<std::string>> reference() {
  std::ifstream in(kDir + "reference.txt");
  REQUIRE_MESSAGE(in.good(), "cannot open " << kDir << "reference.txt");
  std::map<std::string, std::vector<std::string>> out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string key, w;
    ls >> key;
    if (key == "tsne") ls >> w, key += " " + w;
    auto& words = out[key];
    while (ls >> w) words.push_back(w);
  }
  return out;
}

// "R C v..." -> rows.
Rows matrix(const std::vector<std::string>& words) {
  const size_t r = std::stoul(words[0]), c = std::stoul(words[1]);
  Rows m(r, std::vector<double>(c));
  for (size_t i = 0; i < r; ++i)
    for (size_t j = 0; j < c; ++j) m[i][j] = std::stod(words[2 + i * c + j]);
  return m;
}

// The number after `word` in a tsne line.
double field(const std::vector<std::string>& words, const std::string& word) {
  const auto it = std::find(words.begin(), words.end(), word);
  REQUIRE(it + 1 < words.end());
  return std::stod(*(it + 1));
}

Rows digits(size_t rows = SIZE_MAX) {
  std::ifstream in(kDir + "digits.txt");
  std::string comment;
  std::getline(in, comment);
  size_t n = 0, d = 0;
  in >> n >> d;
  REQUIRE(n == 1797);
  Rows x(std::min(n, rows), std::vector<double>(d));
  for (auto& row : x)
    for (double& v : row) in >> v;
  REQUIRE(in.good());
  return x;
}

Rows random_rows(size_t n, size_t d, uint64_t seed, bool integers = false) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> u(-3, 3);
  Rows x(n, std::vector<double>(d));
  for (auto& row : x)
    for (double& v : row) v = integers ? std::round(u(gen)) : u(gen);
  return x;
}

}  // namespace

TEST_CASE("pca_2d equals sklearn's PCA(n_components=2), signs included") {
  const auto ref = reference();
  const Pca2d pca = pca_2d(matrix(ref.at("pca_input")));
  const Rows expected = matrix(ref.at("pca_output"));
  REQUIRE(pca.points.size() == expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    for (size_t k = 0; k < 2; ++k) CHECK(pca.points[i][k] == doctest::Approx(expected[i][k]).epsilon(1e-10));
  for (size_t k = 0; k < 2; ++k)
    CHECK(pca.explained_variance_ratio[k] == doctest::Approx(std::stod(ref.at("pca_ratio")[k])).epsilon(1e-10));
}

TEST_CASE("pca_2d on digits: sklearn's explained variance and projections") {
  // sklearn chose its randomized solver for digits, accurate to about 2e-5 here.
  const auto ref = reference();
  const Pca2d pca = pca_2d(digits());
  for (size_t k = 0; k < 2; ++k)
    CHECK(pca.explained_variance_ratio[k] == doctest::Approx(std::stod(ref.at("pca_digits_ratio")[k])).epsilon(1e-6));
  const Rows head = matrix(ref.at("pca_digits_head"));
  for (size_t i = 0; i < head.size(); ++i)
    for (size_t k = 0; k < 2; ++k) CHECK(std::abs(pca.points[i][k] - head[i][k]) < 1e-4);
}

TEST_CASE("pca_2d: tensors, the sign convention, constant data and bad input") {
  const Rows x = random_rows(40, 6, 1);
  const Pca2d a = pca_2d(x);
  std::vector<double> flat;
  for (const auto& row : x) flat.insert(flat.end(), row.begin(), row.end());
  const Pca2d b = pca_2d(mt::tensor(flat, {40, 6}, {.dtype = mt::kFloat64}));
  Rows negated = x;
  for (auto& row : negated)
    for (double& v : row) v = -v;
  const Pca2d c = pca_2d(negated);  // the components flip, the projections do not
  for (size_t i = 0; i < x.size(); ++i)
    for (size_t k = 0; k < 2; ++k) {
      CHECK(b.points[i][k] == a.points[i][k]);
      CHECK(c.points[i][k] == doctest::Approx(a.points[i][k]).epsilon(1e-9));
    }
  for (size_t k = 0; k < 2; ++k) {
    double norm = 0;
    for (double v : a.components[k]) norm += v * v;
    CHECK(norm == doctest::Approx(1));
  }
  CHECK(a.explained_variance[0] >= a.explained_variance[1]);

  const Pca2d flat_data = pca_2d(Rows(5, {1.0, 2.0, 3.0}));
  for (const auto& p : flat_data.points) CHECK((p[0] == 0 && p[1] == 0));
  CHECK(flat_data.explained_variance_ratio[0] == 0);

  CHECK_THROWS_AS(pca_2d(Rows{{1, 2}}), mt::Error);             // one row
  CHECK_THROWS_AS(pca_2d(Rows{{1}, {2}, {3}}), mt::Error);      // one feature
  CHECK_THROWS_AS(pca_2d(Rows{{1, 2}, {3}}), mt::Error);        // ragged
  CHECK_THROWS_AS(pca_2d(Rows{{1, 2}, {3, NAN}}), mt::Error);   // NaN
  CHECK_THROWS_AS(pca_2d(mt::zeros({3})), mt::Error);           // not [N, D]
}

TEST_CASE("nearest_neighbors: the k nearest by exact distance, ties by index") {
  const Rows x = random_rows(300, 4, 2, true);  // small integers: many exact ties
  const pj::Neighbors nn = pj::nearest_neighbors(pj::to_matrix(x, "test", 2), 20);
  for (size_t i = 0; i < x.size(); ++i) {
    std::vector<std::pair<double, int32_t>> all;
    for (size_t j = 0; j < x.size(); ++j) {
      if (j == i) continue;
      double d2 = 0;
      for (size_t c = 0; c < 4; ++c) d2 += (x[i][c] - x[j][c]) * (x[i][c] - x[j][c]);
      all.push_back({d2, int32_t(j)});
    }
    std::sort(all.begin(), all.end());
    for (size_t t = 0; t < 20; ++t) {
      CHECK(nn.index[i * 20 + t] == all[t].second);
      CHECK(nn.dist2[i * 20 + t] == all[t].first);
    }
  }
}

TEST_CASE("affinities: each row's perplexity is the one asked for; P is symmetric and sums to 1") {
  const auto x = pj::to_matrix(random_rows(200, 5, 3), "test", 2);
  const pj::Neighbors nn = pj::nearest_neighbors(x, 3 * 10 + 1);
  const std::vector<double> cond = pj::conditional_p(nn, 10);
  for (int64_t i = 0; i < nn.n; ++i) {
    double sum = 0, entropy = 0;
    for (int64_t t = 0; t < nn.k; ++t) {
      const double p = cond[size_t(i * nn.k + t)];
      sum += p;
      if (p > 0) entropy -= p * std::log(p);
    }
    CHECK(sum == doctest::Approx(1));
    CHECK(std::exp(entropy) == doctest::Approx(10).epsilon(1e-4));
  }
  const pj::SparseP p = pj::joint_p(nn, cond);
  std::map<std::pair<int64_t, int32_t>, double> entries;
  double total = 0;
  for (int64_t i = 0; i < nn.n; ++i)
    for (int64_t e = p.row_start[size_t(i)]; e < p.row_start[size_t(i) + 1]; ++e) {
      entries[{i, p.col[size_t(e)]}] = p.val[size_t(e)];
      total += p.val[size_t(e)];
    }
  CHECK(total == doctest::Approx(1));
  for (const auto& [ij, v] : entries) CHECK(entries.at({ij.second, int32_t(ij.first)}) == v);
}

namespace {

// The O(N^2) formulas: grad_i = 4 sum_j (p_ij - q_ij) w_ij (y_i - y_j), q_ij = w_ij / Z, and the
// KL divergence over P's non-zero entries.
struct ExactKl {
  std::vector<double> grad;
  double kl = 0;
};
ExactKl exact_kl(const pj::SparseP& p, const std::vector<double>& y) {
  const size_t n = y.size() / 2;
  std::vector<std::vector<double>> dense(n, std::vector<double>(n, 0.0)), w(n, std::vector<double>(n, 0.0));
  for (size_t i = 0; i < n; ++i)
    for (int64_t e = p.row_start[i]; e < p.row_start[i + 1]; ++e) dense[i][size_t(p.col[size_t(e)])] = p.val[size_t(e)];
  double z = 0;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j)
      if (i != j) z += w[i][j] = 1 / (1 + std::pow(y[2 * i] - y[2 * j], 2) + std::pow(y[2 * i + 1] - y[2 * j + 1], 2));
  ExactKl out{std::vector<double>(2 * n, 0.0), 0};
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j) {
      if (i == j) continue;
      const double f = 4 * (dense[i][j] - w[i][j] / z) * w[i][j];
      out.grad[2 * i] += f * (y[2 * i] - y[2 * j]);
      out.grad[2 * i + 1] += f * (y[2 * i + 1] - y[2 * j + 1]);
      if (dense[i][j] > 0) out.kl += dense[i][j] * std::log(dense[i][j] / (w[i][j] / z));
    }
  return out;
}

}  // namespace

TEST_CASE("kl_gradient: exact with angle 0, close with angle 0.5, against the O(N^2) formulas") {
  const auto x = pj::to_matrix(random_rows(150, 5, 4), "test", 2);
  const pj::Neighbors nn = pj::nearest_neighbors(x, 3 * 10 + 1);
  const pj::SparseP p = pj::joint_p(nn, pj::conditional_p(nn, 10));
  const size_t n = 150;
  std::vector<double> y(2 * n);
  std::mt19937_64 gen(5);
  std::normal_distribution<double> normal(0, 5);
  for (double& v : y) v = normal(gen);
  const ExactKl exact = exact_kl(p, y);

  std::vector<double> grad(2 * n);
  CHECK(pj::kl_gradient(p, y, 0.0, 1.0, true, grad) == doctest::Approx(exact.kl).epsilon(1e-10));
  for (size_t c = 0; c < 2 * n; ++c) CHECK(grad[c] == doctest::Approx(exact.grad[c]).scale(1e-3).epsilon(1e-9));

  CHECK(pj::kl_gradient(p, y, 0.5, 1.0, true, grad) == doctest::Approx(exact.kl).epsilon(0.02));
  double err = 0, norm = 0;
  for (size_t c = 0; c < 2 * n; ++c) err += std::pow(grad[c] - exact.grad[c], 2), norm += exact.grad[c] * exact.grad[c];
  CHECK(std::sqrt(err / norm) < 0.05);
  CHECK(std::isnan(pj::kl_gradient(p, y, 0.5, 1.0, false, grad)));

  // Coincident points (repeated feature rows start at one place and stay there) share a leaf of
  // the tree; each still adds w = 1 to Z for the others. Leaving them out made Z too small and
  // the KL divergence negative.
  for (size_t i = 1; i < 12; ++i) y[2 * i] = y[0], y[2 * i + 1] = y[1];
  const ExactKl coincident = exact_kl(p, y);
  CHECK(pj::kl_gradient(p, y, 0.0, 1.0, true, grad) == doctest::Approx(coincident.kl).epsilon(1e-10));
  for (size_t c = 0; c < 2 * n; ++c) CHECK(grad[c] == doctest::Approx(coincident.grad[c]).scale(1e-3).epsilon(1e-9));
}

TEST_CASE("tsne_2d on digits: the final KL divergence within 5% of sklearn's") {
  const auto ref = reference();
  const Tsne2d t = tsne_2d(digits());
  const double expected = field(ref.at("tsne digits_1797"), "kl");
  MESSAGE("KL divergence " << t.kl_divergence << ", sklearn " << expected);
  CHECK(t.points.size() == 1797);
  CHECK(t.iterations == 1000);
  CHECK(std::abs(t.kl_divergence - expected) <= 0.05 * expected);
}

TEST_CASE("tsne_2d: the same points for any thread count and any run; tensors as rows") {
  const auto ref = reference();
  const Rows x = digits(500);
  const int threads = mt::get_num_threads();
  mt::set_num_threads(1);
  const Tsne2d one = tsne_2d(x);
  mt::set_num_threads(2);
  const Tsne2d two = tsne_2d(x);
  mt::set_num_threads(threads);
  std::vector<double> flat;
  for (const auto& row : x) flat.insert(flat.end(), row.begin(), row.end());
  const Tsne2d tensor = tsne_2d(mt::tensor(flat, {500, 64}, {.dtype = mt::kFloat64}));
  CHECK(one.points == two.points);
  CHECK(one.points == tensor.points);
  CHECK(one.kl_divergence == two.kl_divergence);
  const double expected = field(ref.at("tsne digits_500"), "kl");
  CHECK(std::abs(one.kl_divergence - expected) <= 0.05 * expected);
}

TEST_CASE("tsne_2d: small inputs, options and bad input") {
  const Rows x = random_rows(12, 3, 6);
  TsneOptions o;
  o.perplexity = 3;
  o.max_iter = 300;
  const Tsne2d t = tsne_2d(x, o);
  CHECK(t.points.size() == 12);
  for (const auto& p : t.points) CHECK((std::isfinite(p[0]) && std::isfinite(p[1])));
  o.pca_init = false;
  CHECK(tsne_2d(x, o).points.size() == 12);
  CHECK(tsne_2d(Rows(6, {1.0, 1.0}), o).points.size() == 6);  // identical points
  // Half the rows repeat one row: the KL divergence stays a divergence (it was negative).
  Rows repeated = random_rows(20, 4, 8);
  for (size_t i = 10; i < 20; ++i) repeated[i] = repeated[0];
  o.pca_init = true;
  o.perplexity = 6;
  const Tsne2d r = tsne_2d(repeated, o);
  CHECK(r.kl_divergence >= 0);
  for (const auto& p : r.points) CHECK((std::isfinite(p[0]) && std::isfinite(p[1]) && std::abs(p[0]) < 1e3));

  CHECK_THROWS_AS(tsne_2d(x), mt::Error);  // perplexity 30 with 12 points
  CHECK_THROWS_AS(tsne_2d(Rows{{1, 2}}, o), mt::Error);
  CHECK_THROWS_AS(tsne_2d(Rows{{1, 2}, {INFINITY, 0}, {0, 0}, {1, 1}}, o), mt::Error);
  o.angle = 2;
  CHECK_THROWS_AS(tsne_2d(x, o), mt::Error);
}
