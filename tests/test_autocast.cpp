// bf16 autocast: inside an AutocastGuard, matrix products of float32 tensors read bf16-rounded
// operands and accumulate in float32, forward and backward; everything else is unchanged.
// (The ConvNeXt check against PyTorch is in test_convnext.cpp.)
#include <thread>

#include "helpers.hpp"

using namespace mt;

namespace {

// A float32 leaf with values in [-2, 2).
Tensor leaf32(const Shape& shape, uint64_t seed) {
  return random_leaf(shape, seed).detach().to(kFloat32).requires_grad_();
}

// The value the products read under autocast: t rounded to bfloat16 (as float32, no autograd).
Tensor rounded(const Tensor& t) { return t.detach().to(kBFloat16).to(kFloat32); }

// The largest |a - b| relative to the largest |b|.
double relative_difference(const Tensor& a, const Tensor& b) {
  return max(abs(a.detach() - b.detach())).item() / max(abs(b.detach())).item();
}

}  // namespace

TEST_CASE("the guard: off by default, nests, per thread") {
  CHECK_FALSE(autocast_enabled());
  {
    AutocastGuard on;
    CHECK(autocast_enabled());
    {
      AutocastGuard off(false);
      CHECK_FALSE(autocast_enabled());
    }
    CHECK(autocast_enabled());
    bool other_thread = true;
    std::thread([&] { other_thread = autocast_enabled(); }).join();
    CHECK_FALSE(other_thread);
  }
  CHECK_FALSE(autocast_enabled());
}

TEST_CASE("linear: bf16-rounded operands, float32 output; backward rounds the output gradient") {
  Tensor x = leaf32({4, 3, 37}, 1), w = leaf32({19, 37}, 2), b = leaf32({19}, 3);
  Tensor y;
  {
    AutocastGuard bf16;
    y = linear(x, w, b);
  }
  REQUIRE(y.dtype() == kFloat32);
  const Tensor xr = rounded(x), wr = rounded(w);
  check_close(y, linear(xr, wr, b.detach()), 1e-5, 1e-5);
  CHECK(relative_difference(y, linear(x.detach(), w.detach(), b.detach())) > 1e-4);  // the rounding shows

  // backward() outside the guard: the products keep the precision the forward op chose.
  const Tensor gy = leaf32(y.shape(), 4).detach();
  sum(y * gy).backward();
  const Tensor gr = rounded(gy).reshape({-1, 19});
  REQUIRE(x.grad().dtype() == kFloat32);
  REQUIRE(w.grad().dtype() == kFloat32);
  check_close(x.grad(), matmul(gr, wr).reshape(x.shape()), 1e-5, 1e-5);
  check_close(w.grad(), matmul(gr.t(), xr.reshape({-1, 37})), 1e-5, 1e-5);
  check_close(b.grad(), sum(gy.reshape({-1, 19}), {0}), 1e-6, 1e-6);  // the bias gradient is not rounded
}

TEST_CASE("mlp_gelu under autocast equals linear, gelu, linear under autocast, forward and backward") {
  Tensor x = leaf32({10, 24}, 5), w1 = leaf32({40, 24}, 6), b1 = leaf32({40}, 7), w2 = leaf32({24, 40}, 8),
         b2 = leaf32({24}, 9);
  const Tensor gy = leaf32({10, 24}, 10).detach();
  auto grads = [&](bool fused) {
    for (const Tensor& t : {x, w1, b1, w2, b2}) t.impl()->grad.reset();
    Tensor y;
    {
      AutocastGuard bf16;
      y = fused ? mlp_gelu(x, w1, b1, w2, b2) : linear(gelu(linear(x, w1, b1)), w2, b2);
    }
    sum(y * gy).backward();
    return Tensors{y.detach(), x.grad(), w1.grad(), b1.grad(), w2.grad(), b2.grad()};
  };
  const Tensors fused = grads(true), unfused = grads(false);
  for (size_t i = 0; i < fused.size(); ++i) {
    CAPTURE(i);
    check_close(fused[i], unfused[i], 1e-5, 1e-5);
  }
  // And not the float32 numbers.
  CHECK(relative_difference(fused[0], mlp_gelu(x, w1, b1, w2, b2)) > 1e-4);
}

TEST_CASE("mm, bmm and matmul under autocast") {
  Tensor a = leaf32({2, 9, 30}, 11), b = leaf32({30, 7}, 12);
  Tensor y;
  {
    AutocastGuard bf16;
    y = matmul(a, b);  // [2, 9, 30] x [30, 7]: one mm over the rows
  }
  check_close(y, matmul(rounded(a), rounded(b)), 1e-5, 1e-5);
  const Tensor gy = leaf32(y.shape(), 13).detach();
  sum(y * gy).backward();
  check_close(a.grad(), matmul(rounded(gy), rounded(b).t()), 1e-5, 1e-5);
  check_close(b.grad(), matmul(rounded(a).reshape({-1, 30}).t(), rounded(gy).reshape({-1, 7})), 1e-5, 1e-5);

  Tensor p = leaf32({3, 5, 8}, 14), q = leaf32({3, 8, 6}, 15);
  Tensor z;
  {
    AutocastGuard bf16;
    z = bmm(p, q.transpose(1, 2).contiguous().transpose(1, 2));  // a transposed operand
  }
  check_close(z, bmm(rounded(p), rounded(q)), 1e-5, 1e-5);
  const Tensor gz = leaf32(z.shape(), 16).detach();
  sum(z * gz).backward();
  check_close(p.grad(), bmm(rounded(gz), rounded(q).transpose(1, 2)), 1e-5, 1e-5);
  check_close(q.grad(), bmm(rounded(p).transpose(1, 2), rounded(gz)), 1e-5, 1e-5);
}

TEST_CASE("dense convolutions (patchify and im2col) under autocast; depthwise stays float32") {
  const Tensor x = leaf32({2, 8, 8, 5}, 17).detach();
  const Tensor w = leaf32({6, 5, 3, 3}, 18).detach(), wp = leaf32({6, 5, 2, 2}, 19).detach();
  const Tensor wd = leaf32({5, 1, 7, 7}, 20).detach(), bias = leaf32({6}, 21).detach();
  AutocastGuard bf16;
  const Tensor dense = conv2d(x, w, bias, {.stride = {1, 1}, .padding = {1, 1}});
  const Tensor patchify = conv2d(x, wp, bias, {.stride = {2, 2}});
  const Tensor depthwise = conv2d(x, wd, Tensor(), {.padding = {3, 3}, .groups = 5});
  AutocastGuard off(false);
  check_close(dense, conv2d(rounded(x), rounded(w), bias, {.stride = {1, 1}, .padding = {1, 1}}), 1e-5, 1e-5);
  check_close(patchify, conv2d(rounded(x), rounded(wp), bias, {.stride = {2, 2}}), 1e-5, 1e-5);
  check_close(depthwise, conv2d(x, wd, Tensor(), {.padding = {3, 3}, .groups = 5}), 0, 0);
}

TEST_CASE("float64 and non-product ops are untouched by autocast") {
  const Tensor a = random_leaf({6, 11}, 22).detach(), b = random_leaf({11, 4}, 23).detach();
  const Tensor x = leaf32({3, 16}, 24).detach(), lw = leaf32({16}, 25).detach(), lb = leaf32({16}, 26).detach();
  Tensor product, norm, act;
  {
    AutocastGuard bf16;
    product = mm(a, b);
    norm = layer_norm(x, lw, lb);
    act = gelu(x) + softmax(x, -1);
  }
  REQUIRE(product.dtype() == kFloat64);
  CHECK(product.to_vector<double>() == mm(a, b).to_vector<double>());
  CHECK(norm.to_vector<float>() == layer_norm(x, lw, lb).to_vector<float>());
  CHECK(act.to_vector<float>() == (gelu(x) + softmax(x, -1)).to_vector<float>());
}
