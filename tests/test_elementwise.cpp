// Elementwise forward values, broadcasting, type promotion, in-place forms and errors.
#include "helpers.hpp"

using namespace mt;

TEST_CASE("broadcasting arithmetic") {
  Tensor a = arange(0, 3).reshape({3, 1});
  Tensor b = arange(0, 4).reshape({1, 4}) * 10.0;
  Tensor c = a + b;
  CHECK(c.shape() == Shape{3, 4});
  CHECK(c[2][3].item() == 32);
  CHECK((a - b)[1][2].item() == -19);
  CHECK((a * b)[2][1].item() == 20);
  CHECK((b / (a + 1.0))[2][3].item() == doctest::Approx(10));
  CHECK((2.0 - a).to_vector<double>() == std::vector<double>{2, 1, 0});
  CHECK(add(a, a, 3).to_vector<double>() == std::vector<double>{0, 4, 8});
  CHECK(broadcast_shapes({5, 1, 3}, {4, 1}, "t") == Shape{5, 4, 3});
  CHECK_THROWS_WITH_FRAGMENT(zeros({2, 3}) + zeros({4}), "cannot be broadcast");
}

TEST_CASE("non-contiguous operands") {
  Tensor m = arange(0, 12).reshape({3, 4});
  Tensor t = m.t();  // [4, 3], strides [1, 4]
  Tensor s = t + t;
  CHECK(s.is_contiguous());
  CHECK(s[3][2].item() == 2 * 11);
  Tensor sl = m.slice(1, 0, 4, 2);  // columns 0 and 2
  CHECK((sl * 1.0).to_vector<double>() == std::vector<double>{0, 2, 4, 6, 8, 10});
}

TEST_CASE("type promotion follows PyTorch") {
  Tensor i = tensor({1, 2}, {}, {.dtype = kInt64});
  Tensor f = tensor({0.5, 0.5});
  CHECK((i + f).dtype() == kFloat32);
  CHECK((i + 1.0).dtype() == kInt64);
  CHECK((i + 1.5).dtype() == kFloat32);
  CHECK((i / 2.0).dtype() == kFloat32);  // true division
  CHECK((i / 2.0).to_vector<double>() == std::vector<double>{0.5, 1});
  CHECK((f + tensor({1}, {}, {.dtype = kFloat64})).dtype() == kFloat64);
  CHECK((f + full({}, 1, {.dtype = kFloat64})).dtype() == kFloat32);  // 0-dim does not widen
  CHECK((f > 0.1).dtype() == kBool);
  // Two bool tensors stay bool, as in PyTorch: + and maximum are or, * and minimum are and.
  const Tensor p = tensor({1, 0, 1, 0}, {4}, {.dtype = kBool}), q = tensor({1, 1, 0, 0}, {4}, {.dtype = kBool});
  CHECK((p + q).dtype() == kBool);
  CHECK((p + q).to_vector<double>() == std::vector<double>{1, 1, 1, 0});
  CHECK((p * q).to_vector<double>() == std::vector<double>{1, 0, 0, 0});
  CHECK(maximum(p, q).to_vector<double>() == std::vector<double>{1, 1, 1, 0});
  CHECK(minimum(p, q).dtype() == kBool);
  CHECK((p + q.to(kInt64)).dtype() == kInt64);  // with an integer tensor, the integer type
  CHECK((p + q.to(kInt64)).to_vector<double>() == std::vector<double>{2, 1, 1, 0});
  CHECK_THROWS_WITH_FRAGMENT(p - q, "sub: subtracting two bool tensors");
  CHECK_THROWS_WITH_FRAGMENT(-p, "neg: negating a bool tensor is not supported");
  // A scalar of a higher kind (bool < integer < floating point) does widen a bool tensor.
  CHECK((p * 3.0).dtype() == kInt64);
  CHECK((p * 3.0).to_vector<double>() == std::vector<double>{3, 0, 3, 0});
  CHECK((p + 5.0).to_vector<double>() == std::vector<double>{6, 5, 6, 5});
  CHECK((p + scalar_tensor(5, {.dtype = kInt64})).dtype() == kInt64);
  CHECK((p * 0.5).dtype() == kFloat32);
  CHECK((i * full({}, 1, {.dtype = kBool})).dtype() == kInt64);  // a lower kind does not
  CHECK((p / q).dtype() == kFloat32);
  CHECK(exp(i).dtype() == kFloat32);
  CHECK_THROWS_WITH_FRAGMENT(exp(f.to(kFloat16)), "float16");
}

TEST_CASE("unary math values") {
  Tensor x = tensor({-2, -0.5, 0, 0.5, 2}, {}, {.dtype = kFloat64});
  const auto xv = x.to_vector<double>();
  auto check_fn = [&](const Tensor& y, auto fn) {
    const auto yv = y.to_vector<double>();
    for (size_t i = 0; i < xv.size(); ++i) CHECK(yv[i] == doctest::Approx(fn(xv[i])).epsilon(1e-12));
  };
  check_fn(neg(x), [](double v) { return -v; });
  check_fn(abs(x), [](double v) { return std::abs(v); });
  check_fn(exp(x), [](double v) { return std::exp(v); });
  check_fn(tanh(x), [](double v) { return std::tanh(v); });
  check_fn(sigmoid(x), [](double v) { return 1 / (1 + std::exp(-v)); });
  check_fn(relu(x), [](double v) { return v > 0 ? v : 0; });
  CHECK(std::isnan(relu(tensor({NAN, -1})).to_vector<double>()[0]));  // NaN is not hidden
  {  // and its gradient passes through, as PyTorch's threshold_backward does
    const Tensor n = tensor({NAN, -1, 2}, {}, {.requires_grad = true});
    sum(relu(n)).backward();
    CHECK(n.grad().to_vector<double>() == std::vector<double>{1, 0, 1});
  }
  check_fn(erf(x), [](double v) { return std::erf(v); });
  check_fn(gelu(x), [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); });
  check_fn(gelu(x, true), [](double v) {
    return 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
  });
  check_fn(clamp(x, -1, 1), [](double v) { return std::min(1.0, std::max(-1.0, v)); });
  check_fn(pow(x, 2.0), [](double v) { return v * v; });
  check_fn(sign(x), [](double v) { return double((0 < v) - (v < 0)); });
  Tensor p = tensor({0.25, 4}, {}, {.dtype = kFloat64});
  CHECK(sqrt(p).to_vector<double>() == std::vector<double>{0.5, 2});
  CHECK(rsqrt(p).to_vector<double>() == std::vector<double>{2, 0.5});
  CHECK(log(p).to_vector<double>()[1] == doctest::Approx(std::log(4.0)));
  // sigmoid does not overflow at the extremes
  CHECK(sigmoid(tensor({-1000, 1000})).to_vector<double>() == std::vector<double>{0, 1});
}

TEST_CASE("the SIMD exp agrees with std::exp across the float range") {
  Tensor x = linspace(-100, 88, 100001);
  const auto xv = x.to_vector<float>(), yv = exp(x).to_vector<float>();
  for (size_t i = 0; i < xv.size(); ++i) {
    const double expected = std::exp(double(xv[i]));
    if (expected < 1e-37) {
      CHECK(std::abs(yv[i]) < 1.2e-37);
    } else {
      CHECK(std::abs(yv[i] - expected) <= 4e-7 * expected);
    }
  }
  CHECK(std::isinf(exp(tensor({100})).item()));
  CHECK(std::isnan(exp(tensor({NAN})).item()));
}

TEST_CASE("comparisons, where, maximum, minimum") {
  Tensor a = tensor({1, 5, 3});
  Tensor b = tensor({2, 5, 1});
  CHECK((a < b).to_vector<int64_t>() == std::vector<int64_t>{1, 0, 0});
  CHECK((a == b).to_vector<int64_t>() == std::vector<int64_t>{0, 1, 0});
  CHECK((a >= 3.0).to_vector<int64_t>() == std::vector<int64_t>{0, 1, 1});
  CHECK(where(a > b, a, b).to_vector<double>() == std::vector<double>{2, 5, 3});
  CHECK(where(a > 2.0, a, zeros({})).to_vector<double>() == std::vector<double>{0, 5, 3});
  CHECK(maximum(a, b).to_vector<double>() == std::vector<double>{2, 5, 3});
  CHECK(minimum(a, b).to_vector<double>() == std::vector<double>{1, 5, 1});
  CHECK(std::isnan(maximum(tensor({NAN}), tensor({1})).item()));
  CHECK_THROWS_WITH_FRAGMENT(where(a, a, b), "must be bool");
}

TEST_CASE("in-place ops") {
  Tensor t = ones({2, 3});
  t.add_(arange(0, 3));
  CHECK(t[1].to_vector<double>() == std::vector<double>{1, 2, 3});
  t.mul_(2.0).add_(1.0).sub_(ones({}));
  CHECK(t[0].to_vector<double>() == std::vector<double>{2, 4, 6});
  t.div_(full({2, 1}, 2));
  t.clamp_(0, 2.5);
  CHECK(t[0].to_vector<double>() == std::vector<double>{1, 2, 2.5});
  Tensor col = t.select(1, 0);
  col.zero_();
  CHECK(t[1][0].item() == 0);
  CHECK_THROWS_WITH_FRAGMENT(zeros({2}, {.requires_grad = true}).add_(1.0), "leaf");
  // An integer tensor keeps whole results only: a float result is an error, not truncated.
  Tensor counts = zeros({2}, {.dtype = kInt64});
  counts.add_(3.0).mul_(2.0).add_(ones({2}, {.dtype = kInt64}));
  CHECK(counts.to_vector<double>() == std::vector<double>{7, 7});
  CHECK_THROWS_WITH_FRAGMENT(counts.add_(tensor({0.5, 0.5})), "add_: the result type float32 cannot be stored in the int64");
  CHECK_THROWS_WITH_FRAGMENT(counts.mul_(0.5), "mul_: the result type float32");
  Tensor flags = zeros({2}, {.dtype = kBool});
  CHECK_THROWS_WITH_FRAGMENT(flags.add_(ones({2}, {.dtype = kInt64})), "cannot be stored in the bool");
}

TEST_CASE("in-place ops whose operand shares memory with the target") {
  // The operand is read as it was before the op, as if copied first (a + a.t(), not a mix).
  Tensor a = arange(16).view({4, 4});
  const Tensor expected = a + a.t();
  a.add_(a.t());
  CHECK(a.to_vector<double>() == expected.to_vector<double>());
  Tensor x = arange(5);
  x.slice(0, 1, 5).copy_(x.slice(0, 0, 4));  // shifted, overlapping
  CHECK(x.to_vector<double>() == std::vector<double>{0, 0, 1, 2, 3});
  x.mul_(x);  // the same view: read and written element by element, no copy needed
  CHECK(x.to_vector<double>() == std::vector<double>{0, 0, 1, 4, 9});
  Tensor rows = arange(6).view({2, 3});
  rows[0].add_(rows[1]);  // disjoint parts of one storage
  CHECK(rows.to_vector<double>() == std::vector<double>{3, 5, 7, 3, 4, 5});
  // Writing through an expand()ed view would write each memory location several times.
  Tensor expanded = zeros({1}).expand({3});
  CHECK_THROWS_WITH_FRAGMENT(expanded.add_(tensor({1, 2, 3})), "add_: the tensor [3] has elements that share memory");
  CHECK_THROWS_WITH_FRAGMENT(expanded.copy_(tensor({1, 2, 3})), "copy_: the tensor [3] has elements");
  expanded.fill_(2);  // one value everywhere is well defined
  CHECK(expanded.to_vector<double>() == std::vector<double>{2, 2, 2});
  // In-place ops record no gradient: an operand that needs one is an error, not a lost gradient.
  const Tensor w = ones({3}, {.requires_grad = true});
  Tensor buffer = zeros({3});
  CHECK_THROWS_WITH_FRAGMENT(buffer.add_(w * 2.0), "add_: the operand requires grad");
  CHECK_THROWS_WITH_FRAGMENT(buffer.copy_(w), "copy_: the operand requires grad");
  {
    NoGradGuard no_grad;
    buffer.add_(w);
  }
  CHECK(buffer.to_vector<double>() == std::vector<double>{1, 1, 1});
}

TEST_CASE("allclose") {
  CHECK(allclose(tensor({1, 2}), tensor({1, 2.000001})));
  CHECK_FALSE(allclose(tensor({1, 2}), tensor({1, 2.1})));
  CHECK_FALSE(allclose(tensor({NAN}), tensor({NAN})));
}

TEST_CASE("dropout and stochastic depth") {
  Generator g(9);
  Tensor x = ones({1000, 4});
  Tensor d = dropout(x, 0.25, true, &g);
  const double kept = mean((d != 0.0).to(kFloat32)).item();
  CHECK(kept == doctest::Approx(0.75).epsilon(0.05));
  CHECK(amax(d).item() == doctest::Approx(1 / 0.75));
  CHECK(dropout(x, 0.25, false, &g).same(x));
  Tensor s = stochastic_depth(x, 0.5, true, &g);
  // Whole rows are dropped or kept (scaled by 2).
  auto rows = s.to_vector<float>();
  for (size_t r = 0; r < 1000; ++r)
    for (size_t c = 1; c < 4; ++c) CHECK(rows[r * 4 + c] == rows[r * 4]);
  CHECK(mean(s).item() == doctest::Approx(1).epsilon(0.1));
  CHECK(stochastic_depth(x, 0.5, false).same(x));
  CHECK_THROWS_WITH_FRAGMENT(dropout(x, 1.5, true), "p must be");
  CHECK_THROWS_WITH_FRAGMENT(stochastic_depth(scalar_tensor(1.0), 0.5, true), "got a 0-dim tensor");
  CHECK(stochastic_depth(scalar_tensor(1.0), 0.5, false).item() == 1);  // eval: the input, as torchvision
}
