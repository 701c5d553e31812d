// The autograd engine: accumulation, graph reuse, freeing, no_grad, detach and misuse errors.
#include "helpers.hpp"

using namespace mt;

TEST_CASE("gradients accumulate across uses and across backward calls") {
  Tensor x = tensor({2, 3}, {}, {.dtype = kFloat64, .requires_grad = true});
  Tensor y = x * x + x * 3.0;  // dy/dx = 2x + 3
  sum(y).backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{7, 9});
  sum(x * 2.0).backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{9, 11});
  x.zero_grad();
  CHECK_FALSE(x.grad().defined());
}

TEST_CASE("backward with an explicit gradient and on non-scalars") {
  Tensor x = tensor({1, 2, 3}, {}, {.requires_grad = true});
  Tensor y = x * 2.0;
  CHECK_THROWS_WITH_FRAGMENT(y.backward(), "one-element");
  y.backward(tensor({1, 10, 100}));
  CHECK(x.grad().to_vector<double>() == std::vector<double>{2, 20, 200});
  Tensor z = x * 2.0;
  CHECK_THROWS_WITH_FRAGMENT(z.backward(ones({2})), "does not match");
}

TEST_CASE("a diamond graph sums both paths") {
  Tensor x = tensor({1.5}, {}, {.dtype = kFloat64, .requires_grad = true});
  Tensor a = exp(x), b = a * a, c = a + b;  // c = e^x + e^2x
  c.sum().backward();
  CHECK(x.grad().item() == doctest::Approx(std::exp(1.5) + 2 * std::exp(3.0)));
}

TEST_CASE("saved tensors are freed after backward; retain_graph keeps them") {
  Tensor x = tensor({1, 2}, {}, {.requires_grad = true});
  Tensor y = sum(exp(x));
  y.backward(Tensor(), true);
  y.backward();  // allowed once more after retain_graph
  CHECK(x.grad().to_vector<double>()[0] == doctest::Approx(2 * std::exp(1.0)));
  CHECK_THROWS_WITH_FRAGMENT(y.backward(), "second time");
}

TEST_CASE("the graph releases what it saved") {
  Tensor x = tensor({1, 2}, {}, {.requires_grad = true});
  std::weak_ptr<Storage> saved;
  {
    Tensor e = exp(x);
    saved = e.storage();
    Tensor y = sum(e * 1.0);
    e = Tensor();
    CHECK_FALSE(saved.expired());  // held by the graph for backward
    y.backward();
  }
  CHECK(saved.expired());
}

TEST_CASE("no_grad, detach and requires_grad rules") {
  Tensor x = ones({2}, {.requires_grad = true});
  {
    NoGradGuard no_grad;
    Tensor y = x * 2.0;
    CHECK_FALSE(y.requires_grad());
  }
  CHECK((x * 2.0).requires_grad());
  Tensor d = (x * 2.0).detach();
  CHECK_FALSE(d.requires_grad());
  CHECK(d.is_leaf());
  CHECK_THROWS_WITH_FRAGMENT(ones({2}, {.dtype = kInt64}).requires_grad_(), "floating point");
  CHECK_THROWS_WITH_FRAGMENT((x * 2.0).requires_grad_(false), "leaf");
  CHECK((x * 2.0).requires_grad_().requires_grad());  // already does: a no-op, as in PyTorch
  CHECK_THROWS_WITH_FRAGMENT((x * 2.0).backward(ones(x.shape(), {.dtype = kInt64})),
                             "the gradient must be a floating point tensor, got int64");
  CHECK_THROWS_WITH_FRAGMENT(sum(d).backward(), "does not require grad");
  CHECK_THROWS_WITH_FRAGMENT(argmax(x, 0).backward(), "does not require grad");  // not differentiable
  CHECK_FALSE((x > 0.5).requires_grad());
}

TEST_CASE("in-place misuse is caught") {
  Tensor x = ones({2}, {.requires_grad = true});
  CHECK_THROWS_WITH_FRAGMENT(x.mul_(2.0), "leaf tensor");
  Tensor y = x * 2.0;
  CHECK_THROWS_WITH_FRAGMENT(y.add_(1.0), "part of a graph");
  {
    NoGradGuard no_grad;
    x.mul_(3.0);  // as an optimizer step does
  }
  CHECK(x.to_vector<double>() == std::vector<double>{3, 3});

  // Modifying a tensor that backward needs is detected at backward time.
  Tensor w = tensor({1, 2});
  Tensor z = sum(x * w);
  w.add_(1.0);
  CHECK_THROWS_WITH_FRAGMENT(z.backward(), "modified by an in-place op");
}

TEST_CASE("gradients flow only to the inputs that need them") {
  Tensor a = ones({2}, {.requires_grad = true});
  Tensor b = ones({2});
  sum(a * b).backward();
  CHECK(a.grad().defined());
  CHECK_FALSE(b.grad().defined());
}

TEST_CASE("the grad_fn names match PyTorch's") {
  Tensor x = ones({2}, {.requires_grad = true});
  CHECK((x + x).grad_fn()->name == "AddBackward0");
  CHECK((x * x).grad_fn()->name == "MulBackward0");
  CHECK(sum(x).grad_fn()->name == "SumBackward1");
  CHECK(x.t().grad_fn() == nullptr);  // 1-D t() is the tensor itself
}

TEST_CASE("gradient of a broadcast scalar leaf") {
  Tensor s = full({}, 2.0, {.requires_grad = true});
  Tensor m = ones({3, 4});
  sum(m * s).backward();
  CHECK(s.grad().dim() == 0);
  CHECK(s.grad().item() == 12);
}

TEST_CASE("a very long chain of ops is released and backpropagated without deep recursion") {
  // `total = total + x * 1` 300,000 times: releasing the graph one nested destructor per node
  // overflowed an 8 MB stack near 200,000.
  Tensor x = ones({1}, {.requires_grad = true});
  {
    Tensor total = zeros({1});
    for (int i = 0; i < 300000; ++i) total = total + x;
    total.backward();
  }
  CHECK(x.grad().item() == 300000);
  {
    Tensor y = x;
    for (int i = 0; i < 300000; ++i) y = y * 1.0;
  }  // released without backward
  CHECK(x.grad().item() == 300000);
}
