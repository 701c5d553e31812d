// cat, stack, index_select, gather, scatter_add, index_add.
#include "helpers.hpp"

using namespace mt;

TEST_CASE("cat and stack") {
  Tensor a = arange(0, 6).reshape({2, 3}), b = arange(6, 9).reshape({1, 3});
  Tensor c = cat({a, b}, 0);
  CHECK(c.shape() == Shape{3, 3});
  CHECK(c[2].to_vector<double>() == std::vector<double>{6, 7, 8});
  CHECK(cat({a, a.t().t()}, -1).shape() == Shape{2, 6});
  Tensor s = stack({a, a * 2.0}, 1);
  CHECK(s.shape() == Shape{2, 2, 3});
  CHECK(s[1][1].to_vector<double>() == std::vector<double>{6, 8, 10});
  CHECK(cat({a, a.to(kFloat64)}).dtype() == kFloat64);
  CHECK_THROWS_WITH_FRAGMENT(cat({a, b}, 1), "sizes must match");
  CHECK_THROWS_WITH_FRAGMENT(stack({a, b}), "equal shapes");
  CHECK_THROWS_WITH_FRAGMENT(cat({}), "non-empty");
  // As PyTorch: a 1-D empty tensor among tensors of other shapes adds nothing (its dtype still
  // takes part in the promotion), and gets an empty gradient.
  Tensor start = zeros({0}, {.dtype = kFloat64, .requires_grad = true});
  Tensor w = ones({2, 3}, {.requires_grad = true});
  Tensor joined = cat({start, w, start}, 1);
  CHECK(joined.shape() == Shape{2, 3});
  CHECK(joined.dtype() == kFloat64);
  joined.sum().backward();
  CHECK(start.grad().shape() == Shape{0});
  CHECK(w.grad().to_vector<double>() == std::vector<double>(6, 1.0));
  CHECK(cat({zeros({0}), zeros({0})}).shape() == Shape{0});
  CHECK_THROWS_WITH_FRAGMENT(cat({zeros({0}), zeros({})}), "zero-dimensional tensors cannot be concatenated");
}

TEST_CASE("index_select and index_add") {
  Tensor x = arange(0, 12).reshape({3, 4});
  Tensor idx = from_vector<int64_t>({2, 0, 2}, {3});
  CHECK(index_select(x, 0, idx)[0].to_vector<double>() == std::vector<double>{8, 9, 10, 11});
  CHECK(index_select(x, 1, idx)[1].to_vector<double>() == std::vector<double>{6, 4, 6});
  Tensor added = index_add(zeros({3, 2}), 0, idx, ones({3, 2}));
  CHECK(added.to_vector<double>() == std::vector<double>{1, 1, 0, 0, 2, 2});
  CHECK_THROWS_WITH_FRAGMENT(index_select(x, 0, from_vector<int64_t>({3}, {1})), "out of range");
  CHECK_THROWS_WITH_FRAGMENT(index_select(x, 0, from_vector<int64_t>({-1}, {1})), "out of range");
  CHECK_THROWS_WITH_FRAGMENT(index_select(x, 0, tensor({0})), "int64");
}

TEST_CASE("index_add and scatter_add add in every numeric dtype") {
  const Tensor idx = from_vector<int64_t>({0, 0, 2}, {3});
  // Bytes wrap modulo 256, like PyTorch's uint8.
  const Tensor bytes = index_add(zeros({3}, {.dtype = kUInt8}), 0, idx, tensor({250, 10, 7}).to(kUInt8));
  CHECK(bytes.dtype() == kUInt8);
  CHECK(bytes.to_vector<double>() == std::vector<double>{4, 0, 7});
  CHECK(index_add(zeros({3}, {.dtype = kInt64}), 0, idx, tensor({-3, 5, 9}).to(kInt64)).to_vector<double>() ==
        std::vector<double>{2, 0, 9});
  // 16-bit floats round at each add: 256 + 1 is 256 in bfloat16 (8 significant bits, ties to
  // even), so four adds of 1 leave 256; a float32 sum rounded once would give 260.
  const Tensor four = from_vector<int64_t>({1, 1, 1, 1}, {4});
  const Tensor bf = index_add(full({2}, 256.0, {.dtype = kBFloat16}), 0, four, ones({4}, {.dtype = kBFloat16}));
  CHECK(bf.dtype() == kBFloat16);
  CHECK(bf.to_vector<double>() == std::vector<double>{256, 256});
  CHECK(index_add(zeros({2}, {.dtype = kBFloat16}), 0, four, full({4}, 1.5, {.dtype = kBFloat16})).to_vector<double>() ==
        std::vector<double>{0, 6});
  // float16: 2048 + 1 is 2048 (11 significant bits).
  const Tensor half = scatter_add(full({1, 2}, 2048.0, {.dtype = kFloat16}), 1, from_vector<int64_t>({1, 1}, {1, 2}),
                                  ones({1, 2}, {.dtype = kFloat16}));
  CHECK(half.to_vector<double>() == std::vector<double>{2048, 2048});
  CHECK(scatter_add(zeros({1, 2}, {.dtype = kUInt8}), 1, from_vector<int64_t>({1, 1}, {1, 2}),
                    tensor({200, 100}, {1, 2}).to(kUInt8))
            .to_vector<double>() == std::vector<double>{0, 44});
  CHECK_THROWS_WITH_FRAGMENT(index_add(zeros({3}, {.dtype = kBool}), 0, idx, ones({3}, {.dtype = kBool})),
                             "index_add: cannot add bool");
  CHECK_THROWS_WITH_FRAGMENT(
      scatter_add(zeros({1, 2}, {.dtype = kBool}), 1, from_vector<int64_t>({1}, {1, 1}), ones({1, 1}, {.dtype = kBool})),
      "scatter_add: cannot add bool");
}

TEST_CASE("gather and scatter_add") {
  Tensor x = tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor idx = from_vector<int64_t>({2, 0, 1, 1}, {2, 2});
  CHECK(gather(x, 1, idx).to_vector<double>() == std::vector<double>{3, 1, 5, 5});
  CHECK(gather(x.t(), 0, idx.t().contiguous()).to_vector<double>() == std::vector<double>{3, 5, 1, 5});
  Tensor s = scatter_add(zeros({2, 3}), 1, idx, ones({2, 2}));
  CHECK(s.to_vector<double>() == std::vector<double>{1, 0, 1, 0, 2, 0});
  CHECK_THROWS_WITH_FRAGMENT(gather(x, 1, from_vector<int64_t>({3, 0}, {2, 1})), "out of range");
  CHECK_THROWS_WITH_FRAGMENT(gather(x, 1, from_vector<int64_t>({0, 0}, {2})), "dims");
}

TEST_CASE("an index changed in place after the forward pass is an error in backward") {
  // The backward formulas read the index again; a changed one would give a wrong gradient.
  const Tensor x = tensor({1, 2, 3}, {}, {.requires_grad = true});
  Tensor idx = from_vector<int64_t>({0, 1}, {2});
  const Tensor y = index_select(x, 0, idx);
  Tensor gidx = from_vector<int64_t>({2, 0}, {1, 2});
  const Tensor z = gather(x.view({1, 3}), 1, gidx);
  {
    NoGradGuard no_grad;
    idx.fill_(2);
    gidx.fill_(1);
  }
  CHECK_THROWS_WITH_FRAGMENT(sum(y).backward(), "modified by an in-place op");
  CHECK_THROWS_WITH_FRAGMENT(sum(z).backward(), "modified by an in-place op");
}
