#include "minitorch/nn/layers.hpp"

#include <cmath>

#include "minitorch/autograd.hpp"
#include "minitorch/ops/creation.hpp"
#include "minitorch/ops/linalg.hpp"
#include "minitorch/ops/reduce.hpp"

namespace minitorch::nn {

namespace {
// PyTorch's default for Linear and Conv2d (kaiming_uniform with a = sqrt(5)): U(-b, b), b = 1/sqrt(fan_in).
Tensor default_init(const Shape& shape, int64_t fan_in) {
  Tensor t = empty(shape);
  const double bound = fan_in > 0 ? 1.0 / std::sqrt(double(fan_in)) : 0.0;
  uniform_(t, -bound, bound, nullptr);
  return t;
}
}  // namespace

Linear::Linear(int64_t in_features, int64_t out_features, bool with_bias) {
  MT_CHECK(in_features > 0 && out_features > 0, "Linear: features must be positive, got ", in_features, " -> ",
           out_features);
  weight = register_parameter("weight", default_init({out_features, in_features}, in_features));
  if (with_bias) bias = register_parameter("bias", default_init({out_features}, in_features));
}

Tensor Linear::forward(const Tensor& x) { return linear(x, weight, bias); }

Conv2d::Conv2d(int64_t in_channels, int64_t out_channels, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride,
               std::array<int64_t, 2> padding, int64_t groups, bool with_bias) {
  MT_CHECK(in_channels > 0 && out_channels > 0 && groups > 0 && in_channels % groups == 0 && out_channels % groups == 0,
           "Conv2d: channels ", in_channels, " -> ", out_channels, " must be positive multiples of groups ", groups);
  MT_CHECK(kernel[0] > 0 && kernel[1] > 0, "Conv2d: kernel size must be positive");
  const int64_t fan_in = in_channels / groups * kernel[0] * kernel[1];
  weight = register_parameter("weight", default_init({out_channels, in_channels / groups, kernel[0], kernel[1]}, fan_in));
  if (with_bias) bias = register_parameter("bias", default_init({out_channels}, fan_in));
  options = {stride, padding, groups};
}

Tensor Conv2d::forward(const Tensor& x) { return conv2d(x, weight, bias, options); }

LayerNorm::LayerNorm(int64_t features, double eps_, bool affine) : eps(eps_) {
  MT_CHECK(features > 0, "LayerNorm: features must be positive, got ", features);
  if (affine) {
    weight = register_parameter("weight", ones({features}));
    bias = register_parameter("bias", zeros({features}));
  }
}

Tensor LayerNorm::forward(const Tensor& x) { return layer_norm(x, weight, bias, eps); }

Tensor AdaptiveAvgPool2d::forward(const Tensor& x) {
  MT_CHECK(x.dim() == 4, "AdaptiveAvgPool2d: expects NHWC [N, H, W, C], got ", shape_str(x.shape()));
  MT_CHECK(x.size(1) > 0 && x.size(2) > 0, "AdaptiveAvgPool2d: the map ", shape_str(x.shape()),
           " has no pixels to average (H and W must be positive)");
  return mean(x, {1, 2}, true);
}

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules) {
  for (const auto& m : modules) push_back(m);
}

void Sequential::push_back(std::shared_ptr<Module> module) {
  register_module(std::to_string(children().size()), std::move(module));
}

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (const auto& [name, m] : children()) y = m->forward(y);
  return y;
}

std::shared_ptr<Module> Sequential::operator[](size_t index) const {
  MT_CHECK(index < children().size(), "Sequential: index ", index, " is out of range for ", children().size(),
           " modules");
  return children()[index].second;
}

}  // namespace minitorch::nn
