// Reductions over any dims, with keepdim, and their errors.
#include "helpers.hpp"

using namespace mt;

TEST_CASE("sum and mean over any dims") {
  Tensor t = arange(0, 24).reshape({2, 3, 4});
  CHECK(sum(t).item() == 276);
  CHECK(sum(t, {0}).shape() == Shape{3, 4});
  CHECK(sum(t, {0})[2][3].item() == 11 + 23);
  CHECK(sum(t, {0, 2}).to_vector<double>() == std::vector<double>{60, 92, 124});
  CHECK(sum(t, {-1}, true).shape() == Shape{2, 3, 1});
  CHECK(sum(t, {2, 0}).shape() == Shape{3});
  CHECK(mean(t, {1})[1][2].item() == doctest::Approx((14 + 18 + 22) / 3.0));
  CHECK(mean(t.permute({2, 0, 1}), {0}).shape() == Shape{2, 3});
  CHECK(sum(zeros({0, 3}), {0}).to_vector<double>() == std::vector<double>{0, 0, 0});
  CHECK(sum(tensor({1, 0, 1}).to(kBool)).dtype() == kInt64);
  CHECK(sum(tensor({1, 0, 1}).to(kBool)).item() == 2);
  CHECK_THROWS_WITH_FRAGMENT(sum(t, {0, 0}), "more than once");
  CHECK_THROWS_WITH_FRAGMENT(sum(t, {3}), "out of range");
  CHECK_THROWS_WITH_FRAGMENT(mean(ones({2}, {.dtype = kInt64})), "floating");
}

TEST_CASE("large sums are accurate and do not depend on the thread count") {
  const int threads = get_num_threads();
  Tensor x = full({1 << 20}, 0.1);
  set_num_threads(1);
  const double one = sum(x).item();
  set_num_threads(2);
  const double two = sum(x).item();
  set_num_threads(threads);
  CHECK(one == two);
  CHECK(one == doctest::Approx(104857.6).epsilon(1e-5));
  // Ten million float32 values: running sums of at most 16 terms moved up a level, and chunk
  // (and column block) sums added in a tree, keep the error near float32's rounding, as PyTorch's
  // cascade sum does (1.4e-7 here). Added one after another they drifted by 2.3e-5 of the sum,
  // and with the tree alone by 2.4e-6.
  const double exact = double(0.1f) * 10'000'001;
  CHECK(sum(full({10'000'001}, 0.1)).item() == doctest::Approx(exact).epsilon(5e-7));
  const Tensor columns = sum(full({10'000'001, 2}, 0.1), {0});
  CHECK(columns.to_vector<double>()[1] == doctest::Approx(exact).epsilon(5e-7));
}

TEST_CASE("var and std") {
  Tensor t = tensor({1, 2, 3, 4, 10, 20, 30, 40}, {2, 4}, {.dtype = kFloat64});
  CHECK(var(t, {1}).to_vector<double>()[0] == doctest::Approx(5.0 / 3));
  CHECK(var(t, {1}, false, 0).to_vector<double>()[1] == doctest::Approx(125));
  CHECK(mt::std(t, {1}).to_vector<double>()[0] == doctest::Approx(std::sqrt(5.0 / 3)));
  CHECK(var(t, {0, 1}).item() == doctest::Approx(var(t.reshape({-1}), {0}).item()));
  CHECK(std::isnan(var(tensor({1}), {0}).item()));
  // A constant row has std 0: its gradient is 0 as in PyTorch, not NaN (1 / (2 * 0) times 0).
  Tensor rows = tensor({2, 2, 2, 1, 2, 3}, {2, 3}).requires_grad_();
  mt::std(rows, {1}).sum().backward();
  CHECK(rows.grad().to_vector<double>() == std::vector<double>{0, 0, 0, -0.5, 0, 0.5});
}

TEST_CASE("max, min, argmax, argmin, amax") {
  Tensor t = tensor({3, 9, 1, 7, 2, 9}, {2, 3});
  auto [values, indices] = max(t, 1);
  CHECK(values.to_vector<double>() == std::vector<double>{9, 9});
  CHECK(indices.to_vector<int64_t>() == std::vector<int64_t>{1, 2});
  CHECK(indices.dtype() == kInt64);
  CHECK(min(t, 0, true).values.shape() == Shape{1, 3});
  CHECK(min(t, 0).indices.to_vector<int64_t>() == std::vector<int64_t>{0, 1, 0});
  CHECK(argmax(t, -1).to_vector<int64_t>() == std::vector<int64_t>{1, 2});
  CHECK(argmin(t, 1).to_vector<int64_t>() == std::vector<int64_t>{2, 1});
  CHECK(max(t).item() == 9);
  CHECK(min(t).item() == 1);
  CHECK(amax(t, {0}).to_vector<double>() == std::vector<double>{7, 9, 9});
  CHECK(amin(t, {0, 1}).item() == 1);
  CHECK(std::isnan(max(tensor({1, NAN, 3})).item()));
  CHECK_THROWS_WITH_FRAGMENT(max(zeros({0})), "max: cannot reduce over a dim of size 0 (the tensor has shape [0]");
  // No rows at all is an empty result, as in PyTorch; rows of no elements have no maximum.
  CHECK(amax(zeros({0, 3}), {1}).shape() == Shape{0});
  CHECK(argmax(zeros({0, 3}), 1).shape() == Shape{0});
  CHECK(var(zeros({2, 0, 3}), {2}).shape() == Shape{2, 0});
  CHECK_THROWS_WITH_FRAGMENT(amax(zeros({0, 3}), {0}), "cannot reduce over a dim of size 0");
}

TEST_CASE("sum_to reverses broadcasting") {
  Tensor g = ones({4, 2, 3});
  CHECK(sum_to(g, {2, 1}).to_vector<double>() == std::vector<double>{12, 12});
  CHECK(sum_to(g, {3}).to_vector<double>() == std::vector<double>{8, 8, 8});
  CHECK(sum_to(g, {}).item() == 24);
  CHECK_THROWS_WITH_FRAGMENT(sum_to(g, {5}), "cannot sum");
}
