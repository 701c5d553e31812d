#pragma once
// Test helpers: tensor comparison and the finite-difference gradient check.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <functional>
#include <sstream>

#include "minitorch/minitorch.hpp"

namespace mt = minitorch;

// A whole file's bytes ("" when it cannot be opened).
inline std::string file_contents(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// CHECK that two tensors have the same shape and close values (|a - b| <= atol + rtol |b|).
inline void check_close(const mt::Tensor& actual, const mt::Tensor& expected, double rtol = 1e-6, double atol = 1e-8) {
  REQUIRE_MESSAGE(actual.shape() == expected.shape(),
                  "shape " << mt::shape_str(actual.shape()) << " vs expected " << mt::shape_str(expected.shape()));
  const auto a = actual.to_vector<double>(), e = expected.to_vector<double>();
  double worst = 0;
  size_t worst_at = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const bool both_nan = std::isnan(a[i]) && std::isnan(e[i]);
    const double excess = both_nan ? 0 : std::abs(a[i] - e[i]) - (atol + rtol * std::abs(e[i]));
    if (!(excess <= worst)) {
      worst = std::isnan(excess) ? INFINITY : excess;
      worst_at = i;
    }
  }
  CHECK_MESSAGE(worst <= 0, "element " << worst_at << ": " << a[worst_at] << " vs expected " << e[worst_at]);
}

inline mt::Tensor values(std::initializer_list<double> v, const mt::Shape& shape = {}, mt::DType t = mt::kFloat32) {
  return mt::tensor(std::vector<double>(v), shape, {.dtype = t});
}

// A float64 leaf with values in [lo, hi), seeded.
inline mt::Tensor random_leaf(const mt::Shape& shape, uint64_t seed, double lo = -2, double hi = 2) {
  mt::Generator gen(seed);
  mt::Tensor t = mt::rand(shape, {.dtype = mt::kFloat64}, &gen) * (hi - lo) + lo;
  return t.detach().requires_grad_();
}

// Finite-difference gradient check in float64: compares the gradient of sum(w * f(inputs)),
// w a fixed random tensor, with central differences of that sum for every input element.
// Inputs must be contiguous float64 leaves that require grad; f may take views of them.
inline void gradcheck(const std::function<mt::Tensor(const mt::Tensors&)>& f, const mt::Tensors& inputs,
                      double eps = 1e-6, double rtol = 1e-5, double atol = 1e-7) {
  for (const auto& x : inputs) {
    REQUIRE(x.dtype() == mt::kFloat64);
    REQUIRE(x.is_contiguous());
    x.impl()->grad.reset();
  }
  mt::Tensor out = f(inputs);
  REQUIRE(out.dtype() == mt::kFloat64);
  mt::Generator gen(1234);
  const mt::Tensor w = mt::randn(out.shape(), {.dtype = mt::kFloat64}, &gen);
  mt::sum(out * w).backward();

  auto objective = [&]() {
    mt::NoGradGuard no_grad;
    return mt::sum(f(inputs) * w).item();
  };
  for (size_t i = 0; i < inputs.size(); ++i) {
    const mt::Tensor& x = inputs[i];
    if (!x.requires_grad()) continue;
    REQUIRE_MESSAGE(x.grad().defined(), "input " << i << " received no gradient");
    const auto analytic = x.grad().to_vector<double>();
    double* data = x.data_ptr<double>();
    for (int64_t j = 0; j < x.numel(); ++j) {
      const double saved = data[j];
      data[j] = saved + eps;
      const double up = objective();
      data[j] = saved - eps;
      const double down = objective();
      data[j] = saved;
      const double numeric = (up - down) / (2 * eps);
      const double tol = atol + rtol * std::max(std::abs(numeric), std::abs(analytic[size_t(j)])) + 10 * eps * eps;
      CHECK_MESSAGE(std::abs(numeric - analytic[size_t(j)]) <= tol,
                    "input " << i << " element " << j << ": analytic " << analytic[size_t(j)] << " vs numeric " << numeric);
    }
  }
}

// CHECK that `expr` throws minitorch::Error whose message contains `fragment`.
#define CHECK_THROWS_WITH_FRAGMENT(expr, fragment)                                            \
  do {                                                                                        \
    bool thrown_ = false;                                                                     \
    try {                                                                                     \
      (void)(expr);                                                                           \
    } catch (const mt::Error& e_) {                                                           \
      thrown_ = true;                                                                         \
      CHECK_MESSAGE(std::string(e_.what()).find(fragment) != std::string::npos,               \
                    "message '" << std::string(e_.what()) << "' lacks '" << fragment << "'"); \
    }                                                                                         \
    CHECK_MESSAGE(thrown_, "expected minitorch::Error from " #expr);                          \
  } while (0)
