// Finite-difference gradient checks (float64) for every differentiable op, on shapes that
// broadcast and on non-contiguous views (transposes, slices, expands).
#include "helpers.hpp"

using namespace mt;

using Fn = std::function<Tensor(const Tensors&)>;

TEST_CASE("binary arithmetic with broadcasting and views") {
  Tensor a = random_leaf({3, 1, 4}, 1), b = random_leaf({2, 4}, 2);
  Tensor pos = random_leaf({2, 4}, 3, 0.5, 2), base = random_leaf({3, 4}, 4, 0.5, 2);
  gradcheck([](const Tensors& x) { return x[0] + x[1]; }, {a, b});
  gradcheck([](const Tensors& x) { return add(x[0], x[1], -2.5); }, {a, b});
  gradcheck([](const Tensors& x) { return x[0] - x[1]; }, {a, b});
  gradcheck([](const Tensors& x) { return x[0] * x[1]; }, {a, b});
  gradcheck([](const Tensors& x) { return x[0] / x[1]; }, {a, pos});
  gradcheck([](const Tensors& x) { return pow(x[0], x[1]); }, {base, random_leaf({4}, 5, -1, 2)});
  gradcheck([](const Tensors& x) { return x[0].t() * x[1]; }, {random_leaf({4, 3}, 6), random_leaf({3, 1}, 7)});
  gradcheck([](const Tensors& x) { return 3.0 / x[0] - 2.0 * x[0] + 1.0; }, {pos});
  gradcheck([](const Tensors& x) { return maximum(x[0], x[1]); }, {a, b});
  gradcheck([](const Tensors& x) { return minimum(x[0], x[1].slice(1, 0, 4, 2)); }, {random_leaf({1, 2}, 8), b});
}

TEST_CASE("unary math") {
  Tensor x = random_leaf({2, 3, 2}, 10), pos = random_leaf({5, 2}, 11, 0.2, 3);
  const std::vector<std::pair<const char*, Fn>> ops = {
      {"neg", [](const Tensors& v) { return neg(v[0]); }},
      {"abs", [](const Tensors& v) { return abs(v[0]); }},
      {"exp", [](const Tensors& v) { return exp(v[0]); }},
      {"tanh", [](const Tensors& v) { return tanh(v[0]); }},
      {"sigmoid", [](const Tensors& v) { return sigmoid(v[0]); }},
      {"relu", [](const Tensors& v) { return relu(v[0]); }},
      {"erf", [](const Tensors& v) { return erf(v[0]); }},
      {"gelu", [](const Tensors& v) { return gelu(v[0]); }},
      {"gelu_tanh", [](const Tensors& v) { return gelu(v[0], true); }},
      {"clamp", [](const Tensors& v) { return clamp(v[0], -0.7, 0.9); }},
      {"pow3", [](const Tensors& v) { return pow(v[0], 3.0); }},
      {"permuted exp", [](const Tensors& v) { return exp(v[0].permute({2, 0, 1})); }},
  };
  for (const auto& [name, f] : ops) {
    CAPTURE(name);
    gradcheck(f, {x});
  }
  gradcheck([](const Tensors& v) { return log(v[0]); }, {pos});
  gradcheck([](const Tensors& v) { return sqrt(v[0]); }, {pos});
  gradcheck([](const Tensors& v) { return rsqrt(v[0].t()); }, {pos});
  gradcheck([](const Tensors& v) { return pow(v[0], 0.5); }, {pos});
}

TEST_CASE("where") {
  Tensor a = random_leaf({3, 4}, 20), b = random_leaf({4}, 21);
  Tensor cond = random_leaf({3, 1}, 22).detach() > 0.0;
  gradcheck([cond](const Tensors& v) { return where(cond, v[0], v[1]); }, {a, b});
}

TEST_CASE("reductions") {
  Tensor x = random_leaf({3, 4, 2}, 30);
  gradcheck([](const Tensors& v) { return sum(v[0]); }, {x});
  gradcheck([](const Tensors& v) { return sum(v[0], {0, 2}); }, {x});
  gradcheck([](const Tensors& v) { return sum(v[0].transpose(0, 1), {1}, true); }, {x});
  gradcheck([](const Tensors& v) { return mean(v[0], {1}); }, {x});
  gradcheck([](const Tensors& v) { return mean(v[0], {-1, 0}, true); }, {x});
  gradcheck([](const Tensors& v) { return var(v[0], {1}); }, {x});
  gradcheck([](const Tensors& v) { return var(v[0], {0, 2}, true, 0); }, {x});
  gradcheck([](const Tensors& v) { return mt::std(v[0], {2}); }, {x});
  gradcheck([](const Tensors& v) { return amax(v[0], {1}); }, {x});
  gradcheck([](const Tensors& v) { return amin(v[0], {0, 2}, true); }, {x});
  gradcheck([](const Tensors& v) { return max(v[0]); }, {x});
  gradcheck([](const Tensors& v) { return max(v[0], 1).values; }, {x});
  gradcheck([](const Tensors& v) { return min(v[0], 2, true).values; }, {x});
}

TEST_CASE("ties split the gradient of amax; max(dim) sends it to the index taken") {
  Tensor x = tensor({1, 3, 3}, {}, {.dtype = kFloat64, .requires_grad = true});
  amax(x).backward();
  CHECK(x.grad().to_vector<double>() == std::vector<double>{0, 0.5, 0.5});
  Tensor y = tensor({1, 3, 3}, {}, {.dtype = kFloat64, .requires_grad = true});
  max(y, 0).values.backward();
  CHECK(y.grad().to_vector<double>() == std::vector<double>{0, 1, 0});
}

TEST_CASE("matrix products") {
  gradcheck([](const Tensors& v) { return mm(v[0], v[1]); }, {random_leaf({3, 4}, 40), random_leaf({4, 2}, 41)});
  gradcheck([](const Tensors& v) { return mm(v[0].t(), v[1].t()); }, {random_leaf({4, 3}, 42), random_leaf({2, 4}, 43)});
  gradcheck([](const Tensors& v) { return bmm(v[0], v[1]); }, {random_leaf({2, 3, 4}, 44), random_leaf({2, 4, 2}, 45)});
  gradcheck([](const Tensors& v) { return matmul(v[0], v[1]); }, {random_leaf({2, 1, 3, 4}, 46), random_leaf({3, 4, 2}, 47)});
  gradcheck([](const Tensors& v) { return matmul(v[0], v[1]); }, {random_leaf({4}, 48), random_leaf({2, 4, 3}, 49)});
  gradcheck([](const Tensors& v) { return matmul(v[0], v[1]); }, {random_leaf({2, 3, 4}, 50), random_leaf({4}, 51)});
  gradcheck([](const Tensors& v) { return linear(v[0], v[1], v[2]); },
            {random_leaf({2, 3, 4}, 52), random_leaf({5, 4}, 53), random_leaf({5}, 54)});
}

TEST_CASE("softmax and log_softmax along any dim") {
  Tensor x = random_leaf({2, 3, 4}, 60);
  for (int64_t d : {0, 1, 2, -1}) {
    CAPTURE(d);
    gradcheck([d](const Tensors& v) { return softmax(v[0], d); }, {x});
    gradcheck([d](const Tensors& v) { return log_softmax(v[0], d); }, {x});
  }
  gradcheck([](const Tensors& v) { return log_softmax(v[0].t(), 1); }, {random_leaf({5, 3}, 61)});
}

TEST_CASE("views and copies") {
  Tensor x = random_leaf({2, 3, 4}, 70);
  gradcheck([](const Tensors& v) { return v[0].reshape({4, 6}); }, {x});
  gradcheck([](const Tensors& v) { return v[0].permute({2, 0, 1}).reshape({-1}); }, {x});
  gradcheck([](const Tensors& v) { return v[0].narrow(2, 1, 2); }, {x});
  gradcheck([](const Tensors& v) { return v[0].slice(1, 0, 3, 2); }, {x});
  gradcheck([](const Tensors& v) { return v[0].select(1, -1); }, {x});
  gradcheck([](const Tensors& v) { return v[0][1].t(); }, {x});
  gradcheck([](const Tensors& v) { return v[0].unsqueeze(1).expand({2, 5, 3, 4}); }, {x});
  gradcheck([](const Tensors& v) { return v[0].narrow(0, 0, 1).squeeze(); }, {x});
  gradcheck([](const Tensors& v) { return v[0].flatten(1).contiguous(); }, {x});
  gradcheck([](const Tensors& v) { return v[0].transpose(0, 2).clone(); }, {x});
  gradcheck([](const Tensors& v) { return v[0].to(kFloat32).to(kFloat64); }, {x}, 1e-3, 1e-3, 1e-4);
}

TEST_CASE("joining and indexing") {
  Tensor a = random_leaf({2, 3}, 80), b = random_leaf({1, 3}, 81);
  gradcheck([](const Tensors& v) { return cat({v[0], v[1], v[0]}, 0); }, {a, b});
  gradcheck([](const Tensors& v) { return cat({v[0].t(), v[1].t()}, 1); }, {a, b});
  gradcheck([](const Tensors& v) { return stack({v[0], v[0] * 2.0}, 2); }, {a});
  const Tensor idx = from_vector<int64_t>({2, 0, 2, 1}, {4});
  gradcheck([idx](const Tensors& v) { return index_select(v[0], 1, idx); }, {a});
  gradcheck([idx](const Tensors& v) { return index_add(v[0], 0, idx, v[1]); }, {random_leaf({3, 2}, 82), random_leaf({4, 2}, 83)});
  const Tensor gidx = from_vector<int64_t>({2, 0, 1, 1, 0, 2}, {2, 3});
  gradcheck([gidx](const Tensors& v) { return gather(v[0], 1, gidx); }, {a});
  gradcheck([gidx](const Tensors& v) { return gather(v[0].t(), 0, gidx.t().contiguous()); }, {a});
  gradcheck([gidx](const Tensors& v) { return scatter_add(v[0], 1, gidx, v[1]); }, {random_leaf({2, 3}, 84), random_leaf({2, 4}, 85)});
}

TEST_CASE("a small network end to end") {
  Tensor x = random_leaf({4, 3}, 90), w1 = random_leaf({5, 3}, 91), b1 = random_leaf({5}, 92), w2 = random_leaf({2, 5}, 93);
  const Tensor labels = from_vector<int64_t>({0, 1, 1, 0}, {4, 1});
  gradcheck(
      [labels](const Tensors& v) {
        Tensor h = gelu(linear(v[0], v[1], v[2]));
        Tensor logp = log_softmax(linear(h, v[3]), 1);
        return -mean(gather(logp, 1, labels));
      },
      {x, w1, b1, w2});
}

TEST_CASE("layer norm") {
  gradcheck([](const Tensors& v) { return layer_norm(v[0], v[1], v[2], 1e-6); },
            {random_leaf({2, 3, 5}, 100), random_leaf({5}, 101), random_leaf({5}, 102)});
  gradcheck([](const Tensors& v) { return layer_norm(v[0].transpose(0, 1), Tensor(), Tensor()); }, {random_leaf({4, 3, 6}, 103)});
}

TEST_CASE("convolutions over NHWC, every path") {
  // depthwise 7x7 padding 3 (ConvNeXt's), depthwise 3x3 stride 2, patchify 2x2 stride 2,
  // general 3x3 stride 2 padding 1 (im2col), grouped, and a non-contiguous (NCHW-permuted) input.
  gradcheck([](const Tensors& v) { return conv2d(v[0], v[1], v[2], {.padding = {3, 3}, .groups = 3}); },
            {random_leaf({2, 5, 6, 3}, 110), random_leaf({3, 1, 7, 7}, 111), random_leaf({3}, 112)});
  gradcheck([](const Tensors& v) { return conv2d(v[0], v[1], v[2], {.stride = {2, 2}, .padding = {1, 1}, .groups = 2}); },
            {random_leaf({1, 5, 4, 2}, 113), random_leaf({2, 1, 3, 3}, 114), random_leaf({2}, 115)});
  gradcheck([](const Tensors& v) { return conv2d(v[0], v[1], v[2], {.stride = {2, 2}}); },
            {random_leaf({2, 4, 6, 3}, 116), random_leaf({4, 3, 2, 2}, 117), random_leaf({4}, 118)});
  gradcheck([](const Tensors& v) { return conv2d(v[0], v[1], v[2], {.stride = {2, 2}, .padding = {1, 1}}); },
            {random_leaf({1, 5, 4, 2}, 119), random_leaf({3, 2, 3, 3}, 120), random_leaf({3}, 121)});
  gradcheck([](const Tensors& v) { return conv2d(v[0], v[1], Tensor(), {.padding = {1, 0}, .groups = 2}); },
            {random_leaf({1, 3, 4, 4}, 122), random_leaf({2, 2, 3, 1}, 123)});
  gradcheck([](const Tensors& v) { return conv2d(v[0].permute({0, 2, 3, 1}), v[1], v[2], {.stride = {2, 2}}); },
            {random_leaf({2, 3, 4, 4}, 124), random_leaf({2, 3, 2, 2}, 125), random_leaf({2}, 126)});
}

TEST_CASE("stochastic depth and dropout in training mode") {
  Generator g(5);
  Tensor x = random_leaf({6, 2, 3}, 130);
  // The same generator state gives the same mask, so the finite differences see the same function.
  gradcheck([&g](const Tensors& v) { Generator local(g); return stochastic_depth(v[0], 0.5, true, &local); }, {x});
  gradcheck([&g](const Tensors& v) { Generator local(g); return dropout(v[0], 0.3, true, &local); }, {x});
}

TEST_CASE("fused MLP (linear, GELU, linear)") {
  gradcheck([](const Tensors& v) { return mlp_gelu(v[0], v[1], v[2], v[3], v[4]); },
            {random_leaf({2, 3, 4}, 140), random_leaf({6, 4}, 141), random_leaf({6}, 142), random_leaf({3, 6}, 143),
             random_leaf({3}, 144)});
  // Same numbers as the unfused ops.
  Tensors v = {random_leaf({5, 4}, 145), random_leaf({6, 4}, 146), random_leaf({6}, 147), random_leaf({3, 6}, 148),
               random_leaf({3}, 149)};
  check_close(mlp_gelu(v[0], v[1], v[2], v[3], v[4]), linear(gelu(linear(v[0], v[1], v[2])), v[3], v[4]), 1e-12, 1e-12);
}
