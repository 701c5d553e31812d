// Matrix products against a plain triple loop, with transposed and broadcast operands.
#include "helpers.hpp"

using namespace mt;

namespace {
Tensor naive_matmul(const Tensor& a, const Tensor& b) {  // 2-D, float64
  const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  auto av = a.to_vector<double>(), bv = b.to_vector<double>();
  std::vector<double> c(size_t(m * n), 0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t p = 0; p < k; ++p) c[size_t(i * n + j)] += av[size_t(i * k + p)] * bv[size_t(p * n + j)];
  return tensor(c, {m, n}, {.dtype = kFloat64});
}
}  // namespace

TEST_CASE("mm, with every combination of transposed operands") {
  Generator g(3);
  for (bool ta : {false, true})
    for (bool tb : {false, true}) {
      Tensor a = ta ? randn({37, 29}, {.dtype = kFloat64}, &g).t() : randn({29, 37}, {.dtype = kFloat64}, &g);
      Tensor b = tb ? randn({23, 37}, {.dtype = kFloat64}, &g).t() : randn({37, 23}, {.dtype = kFloat64}, &g);
      check_close(mm(a, b), naive_matmul(a, b), 1e-12, 1e-12);
      check_close(mm(a.to(kFloat32), b.to(kFloat32)), naive_matmul(a, b), 1e-4, 1e-4);
    }
}

TEST_CASE("matmul follows torch.matmul's shape rules") {
  Generator g(4);
  Tensor v = randn({5}, {.dtype = kFloat64}, &g);
  Tensor m = randn({5, 3}, {.dtype = kFloat64}, &g);
  CHECK(matmul(v, v).dim() == 0);
  CHECK(matmul(v, v).item() == doctest::Approx(sum(v * v).item()));
  CHECK(matmul(v, m).shape() == Shape{3});
  CHECK(matmul(m.t(), v).shape() == Shape{3});
  Tensor batch = randn({2, 4, 6, 5}, {.dtype = kFloat64}, &g);
  CHECK(matmul(batch, m).shape() == Shape{2, 4, 6, 3});
  check_close(matmul(batch, m)[1][2], naive_matmul(batch[1][2], m), 1e-12);
  Tensor rhs = randn({4, 5, 2}, {.dtype = kFloat64}, &g);  // broadcasts against batch [2, 4]
  Tensor out = matmul(batch, rhs);
  CHECK(out.shape() == Shape{2, 4, 6, 2});
  check_close(out[1][3], naive_matmul(batch[1][3], rhs[3]), 1e-12);
  CHECK(bmm(randn({3, 2, 4}), randn({3, 4, 5})).shape() == Shape{3, 2, 5});
  check_close(matmul(zeros({2, 0}), zeros({0, 3})), zeros({2, 3}));
  CHECK_THROWS_WITH_FRAGMENT(matmul(m, m), "cannot be multiplied");
  CHECK_THROWS_WITH_FRAGMENT(matmul(m, m.to(kFloat32).t()), "dtypes differ");
  CHECK_THROWS_WITH_FRAGMENT(mm(ones({2, 2}, {.dtype = kInt64}), ones({2, 2}, {.dtype = kInt64})), "float32 or float64");
  CHECK_THROWS_WITH_FRAGMENT(bmm(randn({2, 2, 2}), randn({3, 2, 2})), "bmm");
}

TEST_CASE("linear is x W^T + b") {
  Tensor x = tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor w = tensor({1, 0, 0, 0, 1, 1}, {2, 3});
  Tensor b = tensor({10, 20});
  CHECK(linear(x, w, b).to_vector<double>() == std::vector<double>{11, 25, 14, 31});
  CHECK_THROWS_WITH_FRAGMENT(linear(x, w.t()), "in_features");
  CHECK_THROWS_WITH_FRAGMENT(linear(x, w, b.to(kFloat64)), "bias must be [2] of the input's dtype (float32), got [2] of float64");
}

TEST_CASE("products with a dimension of size zero, as in PyTorch") {
  // No input features: the output is the bias; its gradient still flows.
  const Tensor x = ones({3, 0}, {.requires_grad = true}), w = ones({4, 0}, {.requires_grad = true});
  const Tensor b = tensor({1, 2, 3, 4}, {}, {.requires_grad = true});
  const Tensor y = linear(x, w, b);
  CHECK(y.to_vector<double>() == std::vector<double>{1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4});
  sum(y).backward();
  CHECK(b.grad().to_vector<double>() == std::vector<double>{3, 3, 3, 3});
  CHECK(w.grad().shape() == Shape{4, 0});
  CHECK(linear(ones({3, 5}), ones({0, 5})).shape() == Shape{3, 0});
  CHECK(max(abs(matmul(ones({2, 3, 0}), ones({0, 4})))).item() == 0);
  CHECK(conv2d(ones({1, 5, 5, 3}), ones({0, 3, 3, 3}), Tensor(), {}).shape() == Shape{1, 3, 3, 0});
  CHECK(conv2d(ones({0, 5, 5, 3}), ones({2, 3, 3, 3}), Tensor(), {}).shape() == Shape{0, 3, 3, 2});
}
