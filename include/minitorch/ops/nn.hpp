#pragma once
// Functional neural-network ops. Image activations are channels-last: [N, H, W, C]. Weights keep
// PyTorch's layouts (conv [out, in/groups, kh, kw], linear [out, in]) so checkpoints map 1:1.
#include <array>

#include "minitorch/random.hpp"
#include "minitorch/tensor.hpp"

namespace minitorch {

// LayerNorm over the last dim: (x - mean) / sqrt(var + eps) * weight + bias (biased variance,
// as torch.nn.LayerNorm). weight and bias are [C] or undefined.
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps = 1e-5);

struct Conv2dOptions {
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 2> padding{0, 0};
  int64_t groups = 1;
};
// 2-D convolution of NHWC x [N, H, W, Cin] with weight [Cout, Cin/groups, kh, kw] and bias [Cout]
// (or undefined) into [N, OH, OW, Cout]. Depthwise (groups = Cin = Cout), patchifying (stride =
// kernel, no padding) and general convolutions each take their own fast path.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dOptions& options = {});

// Zeroes each element with probability p and scales the rest by 1/(1-p); identity unless training.
Tensor dropout(const Tensor& x, double p, bool training, Generator* gen = nullptr);
// Stochastic depth, "row" mode (torchvision.ops.stochastic_depth): drops whole samples (dim 0)
// with probability p and scales survivors by 1/(1-p); identity unless training.
Tensor stochastic_depth(const Tensor& x, double p, bool training, Generator* gen = nullptr);

}  // namespace minitorch
