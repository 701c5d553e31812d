#pragma once
// ConvNeXt (Liu et al., 2022) with torchvision's structure and parameter names, channels-last
// inside: the input [N, 3, H, W] is viewed as NHWC once at the stem and stays NHWC to the head.
//
//   features.0        stem: Conv2d(3, d0, 4, stride 4), LayerNorm2d(d0)
//   features.1,3,5,7  stages of CNBlocks
//   features.2,4,6    downsampling: LayerNorm2d(d_i), Conv2d(d_i, d_i+1, 2, stride 2)
//   classifier        LayerNorm2d(d_last), Flatten, Linear(d_last, num_classes)
//
// A CNBlock: x + StochasticDepth(layer_scale * [dwconv7x7 -> LayerNorm -> Linear(d, 4d) -> GELU
// -> Linear(4d, d)](x)), its Sequential indexed 0..6 as torchvision's (1 and 6 were Permutes).
#include <memory>
#include <string>
#include <vector>

#include "minitorch/nn/layers.hpp"

namespace minitorch::models {

struct ConvNeXtConfig {
  std::vector<int64_t> depths = {3, 3, 9, 3};
  std::vector<int64_t> dims = {96, 192, 384, 768};
  int64_t num_classes = 1000;
  double stochastic_depth_prob = 0.1;
  double layer_scale = 1e-6;

  static ConvNeXtConfig tiny() { return {}; }
  static ConvNeXtConfig small() { return {{3, 3, 27, 3}, {96, 192, 384, 768}, 1000, 0.4}; }
  static ConvNeXtConfig base() { return {{3, 3, 27, 3}, {128, 256, 512, 1024}, 1000, 0.5}; }
  static ConvNeXtConfig large() { return {{3, 3, 27, 3}, {192, 384, 768, 1536}, 1000, 0.5}; }
  // timm's small variants (convnext_atto, _femto, _pico, _nano): quick to train from scratch.
  static ConvNeXtConfig atto() { return {{2, 2, 6, 2}, {40, 80, 160, 320}, 1000, 0.0}; }
  static ConvNeXtConfig femto() { return {{2, 2, 6, 2}, {48, 96, 192, 384}, 1000, 0.0}; }
  static ConvNeXtConfig pico() { return {{2, 2, 6, 2}, {64, 128, 256, 512}, 1000, 0.0}; }
  static ConvNeXtConfig nano() { return {{2, 2, 8, 2}, {80, 160, 320, 640}, 1000, 0.0}; }
  // "convnext_tiny", "convnext_small", "convnext_base", "convnext_large", and timm's
  // "convnext_atto", "convnext_femto", "convnext_pico", "convnext_nano"
  static ConvNeXtConfig by_name(const std::string& name);
  // Those names with their configurations, in that order.
  static const std::vector<std::pair<std::string, ConvNeXtConfig>>& variants();
};

class CNBlock : public nn::Module {
 public:
  CNBlock(int64_t dim, double layer_scale, double stochastic_depth_prob);
  Tensor forward(const Tensor& x) override;  // NHWC

  std::shared_ptr<nn::Sequential> block;
  Tensor layer_scale;  // [dim, 1, 1] as torchvision stores it
  std::shared_ptr<nn::StochasticDepth> stochastic_depth;
};

class ConvNeXt : public nn::Module {
 public:
  explicit ConvNeXt(const ConvNeXtConfig& config = {});
  // Logits [N, num_classes] for images [N, 3, H, W].
  Tensor forward(const Tensor& images) override;
  // The pooled, normalised embedding [N, dims.back()] that the classifier's Linear reads.
  Tensor features(const Tensor& images);
  // Replaces classifier[2] by a fresh Linear(dims.back(), num_classes), as the fine-tuning recipe
  // `model.classifier[2] = nn.Linear(768, 6)` does.
  void replace_head(int64_t num_classes);
  const ConvNeXtConfig& config() const { return config_; }
  // Multiply-accumulates of one forward pass at size x size (4.47 G for tiny at 224).
  double forward_macs(int64_t size) const;

 private:
  ConvNeXtConfig config_;
  std::shared_ptr<nn::Sequential> features_, classifier_;
  std::shared_ptr<nn::AdaptiveAvgPool2d> avgpool_;
};

// Initialises as torchvision does: trunc_normal(std 0.02) for Conv2d and Linear weights, zero
// biases, LayerNorm weight 1 and bias 0, layer scale config().layer_scale (1e-6 by default; the
// constructor already does all this).
void init_convnext(ConvNeXt& model);

}  // namespace minitorch::models
