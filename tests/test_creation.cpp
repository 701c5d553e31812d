// Factory functions and seeded random numbers.
#include "helpers.hpp"

using namespace mt;

TEST_CASE("constant factories") {
  CHECK(full({2, 2}, 3.5).to_vector<float>() == std::vector<float>(4, 3.5f));
  CHECK(ones({3}, {.dtype = kInt64}).to_vector<int64_t>() == std::vector<int64_t>{1, 1, 1});
  CHECK(arange(0, 1, 0.25).to_vector<double>() == std::vector<double>{0, 0.25, 0.5, 0.75});
  CHECK(arange(5, {.dtype = kInt64}).to_vector<int64_t>() == std::vector<int64_t>{0, 1, 2, 3, 4});
  CHECK(arange(3, 0, -1).to_vector<double>() == std::vector<double>{3, 2, 1});
  CHECK_THROWS_WITH_FRAGMENT(arange(0, 3, -1), "points away");
  CHECK(linspace(0, 1, 5).to_vector<double>() == std::vector<double>{0, 0.25, 0.5, 0.75, 1});
  CHECK(linspace(-1, 1, 1).to_vector<double>() == std::vector<double>{-1});
  CHECK(eye(2, 3).to_vector<double>() == std::vector<double>{1, 0, 0, 0, 1, 0});
  Tensor leaf = zeros({2}, {.requires_grad = true});
  CHECK(leaf.requires_grad());
  CHECK(leaf.is_leaf());
}

// Repeated leading values and zero trailing ones are a pattern g++ 12 with AVX-512 got wrong
// (CMakeLists.txt: {1, 1, 0, 0} was built as {1, 1, 1, 1}).
TEST_CASE("tensors from brace lists keep their values") {
  CHECK(tensor({1, 1, 0, 0}).to_vector<double>() == std::vector<double>{1, 1, 0, 0});
  CHECK(tensor({2, 2, 0, 0}, {4}, {.dtype = kInt64}).to_vector<double>() == std::vector<double>{2, 2, 0, 0});
  CHECK(tensor({3, 3, 3, 0}, {2, 2}, {.dtype = kFloat64}).to_vector<double>() == std::vector<double>{3, 3, 3, 0});
  CHECK(tensor({1, 1, 0, 0}, {4}, {.dtype = kBool}).to_vector<double>() == std::vector<double>{1, 1, 0, 0});
  const std::vector<double> v{1, 1, 0, 0};
  CHECK(v[2] == 0);
  CHECK(tensor(v).to_vector<double>() == std::vector<double>{1, 1, 0, 0});
  const Tensor p = tensor({1, 0, 1, 0}, {4}, {.dtype = kBool}), q = tensor({1, 1, 0, 0}, {4}, {.dtype = kBool});
  CHECK((p * q).to_vector<double>() == std::vector<double>{1, 0, 0, 0});
}

TEST_CASE("the same seed gives the same numbers at every thread count") {
  const int threads = get_num_threads();
  std::vector<std::vector<float>> runs;
  for (int t : {1, 2, 3}) {
    set_num_threads(t);
    manual_seed(42);
    Tensor a = rand({300, 500});   // large enough to run in parallel
    Tensor b = randn({1000});
    runs.push_back(a.to_vector<float>());
    auto bv = b.to_vector<float>();
    runs.back().insert(runs.back().end(), bv.begin(), bv.end());
  }
  set_num_threads(threads);
  CHECK(runs[0] == runs[1]);
  CHECK(runs[0] == runs[2]);
  manual_seed(43);
  CHECK(rand({300, 500}).to_vector<float>() != std::vector<float>(runs[0].begin(), runs[0].begin() + 150000));
}

TEST_CASE("consecutive draws differ and a generator can be rewound") {
  Generator g(7);
  Tensor a = rand({100}, {}, &g);
  Tensor b = rand({100}, {}, &g);
  CHECK(a.to_vector<float>() != b.to_vector<float>());
  g.set_offset(0);
  CHECK(rand({100}, {}, &g).to_vector<float>() == a.to_vector<float>());
}

TEST_CASE("distributions have the right moments and ranges") {
  Generator g(1);
  Tensor u = rand({200000}, {.dtype = kFloat64}, &g);
  CHECK(amin(u).item() >= 0);
  CHECK(amax(u).item() < 1);
  CHECK(mean(u).item() == doctest::Approx(0.5).epsilon(0.01));
  CHECK(var(u, {}).item() == doctest::Approx(1.0 / 12).epsilon(0.02));

  Tensor n = randn({200000}, {.dtype = kFloat64}, &g);
  CHECK(std::abs(mean(n).item()) < 0.01);
  CHECK(var(n, {}).item() == doctest::Approx(1).epsilon(0.02));

  Tensor t = empty({200000}, {.dtype = kFloat64});
  trunc_normal_(t, 0, 1, -1, 2, &g);
  CHECK(amin(t).item() >= -1);
  CHECK(amax(t).item() <= 2);
  // Mean of N(0,1) truncated to [-1, 2]: (phi(-1) - phi(2)) / (Phi(2) - Phi(-1)) = 0.2288...
  CHECK(mean(t).item() == doctest::Approx(0.22879).epsilon(0.02));

  Tensor w = empty({100000});
  trunc_normal_(w, 0, 0.02, -2, 2, &g);  // ConvNeXt's init: std 0.02, bounds far away
  CHECK(mt::std(w, {}).item() == doctest::Approx(0.02).epsilon(0.02));

  Tensor r = randint(-3, 4, {100000}, {.dtype = kInt64}, &g);
  CHECK(amin(r).item() == -3);
  CHECK(amax(r).item() == 3);

  auto p = randperm(50, &g).to_vector<int64_t>();
  std::sort(p.begin(), p.end());
  for (int64_t i = 0; i < 50; ++i) CHECK(p[size_t(i)] == i);
}
