#pragma once
// The layers ConvNeXt needs, with PyTorch's names, parameter names, shapes and default inits.
// Spatial activations are channels-last [N, H, W, C].
//
// A layer's `weight` and `bias` are handles to its registered parameters. To set their values,
// write into them (`{ NoGradGuard g; layer.weight.copy_(w); }`): assigning another tensor to the
// member (`layer.weight = w`), which re-registers it in PyTorch, here leaves parameters() and
// state_dict() on the old tensor, so an optimizer would step a tensor forward() no longer uses.
#include <array>
#include <initializer_list>

#include "minitorch/nn/module.hpp"
#include "minitorch/ops/elementwise.hpp"
#include "minitorch/ops/nn.hpp"

namespace minitorch::nn {

// y = x W^T + b, weight [out, in]; init U(-1/sqrt(in), 1/sqrt(in)) as torch.nn.Linear.
class Linear : public Module {
 public:
  Linear(int64_t in_features, int64_t out_features, bool bias = true);
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias;
};

// Convolution of NHWC input; weight [out, in/groups, kh, kw] as torch.nn.Conv2d (same init).
class Conv2d : public Module {
 public:
  Conv2d(int64_t in_channels, int64_t out_channels, std::array<int64_t, 2> kernel, std::array<int64_t, 2> stride = {1, 1},
         std::array<int64_t, 2> padding = {0, 0}, int64_t groups = 1, bool bias = true);
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias;
  Conv2dOptions options;
};

// LayerNorm over the last dim (in NHWC this is also torchvision's LayerNorm2d over channels).
class LayerNorm : public Module {
 public:
  explicit LayerNorm(int64_t features, double eps = 1e-5, bool affine = true);
  Tensor forward(const Tensor& x) override;
  Tensor weight, bias;
  double eps;
};

class GELU : public Module {
 public:
  explicit GELU(bool tanh_approximation = false) : tanh_(tanh_approximation) {}
  Tensor forward(const Tensor& x) override { return gelu(x, tanh_); }

 private:
  bool tanh_;
};

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5) : p(p) { MT_CHECK(p >= 0 && p <= 1, "Dropout: p must be in [0, 1], got ", p); }
  Tensor forward(const Tensor& x) override { return dropout(x, p, is_training()); }
  double p;
};

// torchvision.ops.StochasticDepth in "row" mode: active in training only.
class StochasticDepth : public Module {
 public:
  explicit StochasticDepth(double p) : p(p) {
    MT_CHECK(p >= 0 && p <= 1, "StochasticDepth: p must be in [0, 1], got ", p);
  }
  Tensor forward(const Tensor& x) override { return stochastic_depth(x, p, is_training()); }
  double p;
};

// AdaptiveAvgPool2d(1) over NHWC: [N, H, W, C] -> [N, 1, 1, C].
class AdaptiveAvgPool2d : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};

class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1) : start_(start_dim), end_(end_dim) {}
  Tensor forward(const Tensor& x) override { return x.flatten(start_, end_); }

 private:
  int64_t start_, end_;
};

// Passes its input through. Stands where a PyTorch model has a layer that channels-last
// activations do not need (torchvision's Permute), so the indices of later layers, and with them
// the parameter names, stay the same.
class Identity : public Module {
 public:
  Tensor forward(const Tensor& x) override { return x; }
};

// Children named "0", "1", ... applied in order.
class Sequential : public Module {
 public:
  Sequential() = default;
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules);
  void push_back(std::shared_ptr<Module> module);
  Tensor forward(const Tensor& x) override;
  size_t size() const { return children().size(); }
  std::shared_ptr<Module> operator[](size_t index) const;
};

}  // namespace minitorch::nn
