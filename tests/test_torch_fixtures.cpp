// Outputs and gradients against the numbers PyTorch 1.13 gave for the same inputs
// (tests/fixtures/torch_ops.txt, written by tools/make_fixtures.py).
#include <functional>
#include <map>

#include "fixtures.hpp"

using namespace mt;

namespace {

using Op = std::function<Tensor(const Tensors&)>;

const std::map<std::string, Op>& ops() {
  static const std::map<std::string, Op> table = {
      {"add_broadcast", [](const Tensors& x) { return x[0] + x[1]; }},
      {"sub", [](const Tensors& x) { return x[0] - x[1]; }},
      {"mul_broadcast", [](const Tensors& x) { return x[0] * x[1]; }},
      {"div", [](const Tensors& x) { return x[0] / x[1]; }},
      {"pow_tensor", [](const Tensors& x) { return pow(x[0], x[1]); }},
      {"pow_scalar", [](const Tensors& x) { return pow(x[0], 2.5); }},
      {"maximum", [](const Tensors& x) { return maximum(x[0], x[1]); }},
      {"neg", [](const Tensors& x) { return -x[0]; }},
      {"abs", [](const Tensors& x) { return abs(x[0]); }},
      {"exp", [](const Tensors& x) { return exp(x[0]); }},
      {"log", [](const Tensors& x) { return log(x[0]); }},
      {"sqrt", [](const Tensors& x) { return sqrt(x[0]); }},
      {"rsqrt", [](const Tensors& x) { return rsqrt(x[0]); }},
      {"tanh", [](const Tensors& x) { return tanh(x[0]); }},
      {"sigmoid", [](const Tensors& x) { return sigmoid(x[0]); }},
      {"relu", [](const Tensors& x) { return relu(x[0]); }},
      {"erf", [](const Tensors& x) { return erf(x[0]); }},
      {"gelu", [](const Tensors& x) { return gelu(x[0]); }},
      {"gelu_tanh", [](const Tensors& x) { return gelu(x[0], true); }},
      {"clamp", [](const Tensors& x) { return clamp(x[0], -0.5, 1.0); }},
      {"where", [](const Tensors& x) { return where(x[0] > 0.0, x[0], x[1]); }},
      {"sum_dims", [](const Tensors& x) { return sum(x[0], {0, 2}); }},
      {"sum_keepdim", [](const Tensors& x) { return sum(x[0], {1}, true); }},
      {"mean", [](const Tensors& x) { return mean(x[0], {-1}); }},
      {"var", [](const Tensors& x) { return var(x[0], {1}); }},
      {"var_unbiased0", [](const Tensors& x) { return var(x[0], {0, 1}, false, 0); }},
      {"std", [](const Tensors& x) { return mt::std(x[0], {0}, true); }},
      {"amax", [](const Tensors& x) { return amax(x[0], {1}); }},
      {"max_dim", [](const Tensors& x) { return max(x[0], 0).values; }},
      {"matmul_batched", [](const Tensors& x) { return matmul(x[0], x[1]); }},
      {"matmul_vec", [](const Tensors& x) { return matmul(x[0], x[1]); }},
      {"linear", [](const Tensors& x) { return linear(x[0], x[1], x[2]); }},
      {"softmax", [](const Tensors& x) { return softmax(x[0], 1); }},
      {"log_softmax", [](const Tensors& x) { return log_softmax(x[0], -1); }},
      {"cat", [](const Tensors& x) { return cat({x[0], x[1], x[0]}, 1); }},
      {"stack", [](const Tensors& x) { return stack({x[0], x[1]}, 1); }},
      {"permute_reshape", [](const Tensors& x) { return x[0].permute({2, 0, 1}).reshape({4, 6}); }},
      {"narrow_select", [](const Tensors& x) { return x[0].narrow(1, 1, 2).select(0, 1); }},
      {"expand", [](const Tensors& x) { return x[0].expand({3, 2, 4}); }},
      {"index_select", [](const Tensors& x) { return index_select(x[0], 1, x[1]); }},
      {"gather", [](const Tensors& x) { return gather(x[0], 1, x[1]); }},
      {"cross_entropy",
       [](const Tensors& x) { return -mean(gather(log_softmax(x[0], 1), 1, x[1].unsqueeze(1))); }},
      {"layer_norm", [](const Tensors& x) { return layer_norm(x[0], x[1], x[2], 1e-6); }},
      {"layer_norm_noaffine", [](const Tensors& x) { return layer_norm(x[0], Tensor(), Tensor()); }},
      {"conv_depthwise7", [](const Tensors& x) { return conv2d(x[0], x[1], x[2], {.padding = {3, 3}, .groups = 4}); }},
      {"conv_depthwise3_s2",
       [](const Tensors& x) { return conv2d(x[0], x[1], x[2], {.stride = {2, 2}, .padding = {1, 1}, .groups = 3}); }},
      {"conv_patchify", [](const Tensors& x) { return conv2d(x[0], x[1], x[2], {.stride = {4, 4}}); }},
      {"conv_dense3_s2", [](const Tensors& x) { return conv2d(x[0], x[1], x[2], {.stride = {2, 2}, .padding = {1, 1}}); }},
      {"conv_grouped", [](const Tensors& x) { return conv2d(x[0], x[1], Tensor(), {.padding = {1, 1}, .groups = 2}); }},
      {"ce_weighted_smooth",
       [](const Tensors& x) { return cross_entropy(x[0], x[1], {.weight = x[2].detach(), .label_smoothing = 0.1}); }},
      {"ce_sum_ignore",
       [](const Tensors& x) { return cross_entropy(x[0], x[1], {.weight = Tensor(), .reduction = Reduction::Sum, .ignore_index = 1}); }},
      {"ce_none_smooth",
       [](const Tensors& x) { return cross_entropy(x[0], x[1], {.weight = Tensor(), .reduction = Reduction::None, .label_smoothing = 0.3}); }},
      {"nll_weighted", [](const Tensors& x) { return nll_loss(log_softmax(x[0], 1), x[1], x[2].detach()); }},
      {"float32_softmax", [](const Tensors& x) { return softmax(x[0], -1); }},
      {"float32_gelu", [](const Tensors& x) { return gelu(x[0]); }},
      {"float32_matmul", [](const Tensors& x) { return matmul(x[0], x[1]); }},
      {"float32_layer_stats",
       [](const Tensors& x) {
         return (x[0] - mean(x[0], {-1}, true)) * rsqrt(var(x[0], {-1}, true, 0) + 1e-6);
       }},
      {"ce_mean_all_ignored",
       [](const Tensors& x) { return cross_entropy(x[0], x[1], {.weight = Tensor(), .label_smoothing = 0.1, .ignore_index = 2}); }},
      {"nll_mean_all_ignored", [](const Tensors& x) { return nll_loss(x[0], x[1], Tensor(), Reduction::Mean, 0); }},
      {"ce_mean_zero_weights", [](const Tensors& x) { return cross_entropy(x[0], x[1], {.weight = x[2].detach()}); }},
      {"std_constant_row", [](const Tensors& x) { return mt::std(x[0], {1}); }},
  };
  return table;
}

}  // namespace

TEST_CASE("every op agrees with PyTorch's outputs and gradients") {
  const auto cases = load_fixtures("torch_ops.txt");
  CHECK(cases.size() == ops().size());
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto it = ops().find(c.name);
    REQUIRE_MESSAGE(it != ops().end(), "no op for fixture case " << c.name);
    Tensors inputs = c.all("input");
    for (auto& t : inputs)
      if (is_floating(t.dtype())) t.requires_grad_();
    const bool single = inputs[0].dtype() == kFloat32;
    // float32: a few ulps of the largest terms summed (K = 70 products of size ~1 in the matmul case)
    const double rtol = single ? 2e-5 : 1e-10, atol = single ? 2e-5 : 1e-12;
    Tensor out = it->second(inputs);
    check_close(out, c.all("output")[0], rtol, atol);
    sum(out * c.all("weight")[0]).backward();
    const Tensors grads = c.all("grad");
    size_t g = 0;
    for (const auto& t : inputs) {
      if (!t.grad().defined()) continue;  // integer inputs, and class weights the op detaches
      REQUIRE(g < grads.size());
      check_close(t.grad(), grads[g++], rtol, atol);
    }
    CHECK(g == grads.size());
  }
}
