#include "models/convnext.hpp"

#include "minitorch/autograd.hpp"
#include "minitorch/ops/creation.hpp"
#include "minitorch/ops/elementwise.hpp"
#include "minitorch/ops/linalg.hpp"
#include "minitorch/ops/reduce.hpp"

namespace minitorch::models {

using namespace minitorch::nn;

const std::vector<std::pair<std::string, ConvNeXtConfig>>& ConvNeXtConfig::variants() {
  static const std::vector<std::pair<std::string, ConvNeXtConfig>> table = {
      {"convnext_tiny", tiny()},  {"convnext_small", small()}, {"convnext_base", base()},
      {"convnext_large", large()}, {"convnext_atto", atto()},   {"convnext_femto", femto()},
      {"convnext_pico", pico()},  {"convnext_nano", nano()}};
  return table;
}

ConvNeXtConfig ConvNeXtConfig::by_name(const std::string& name) {
  std::string names;
  for (const auto& [variant, config] : variants()) {
    if (variant == name) return config;
    names += (names.empty() ? "" : ", ") + variant;
  }
  detail::fail("convnext: unknown architecture '", name, "' (expected one of ", names, ")");
}

CNBlock::CNBlock(int64_t dim, double scale, double sd_prob) {
  block = register_module("block", std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
                                        std::make_shared<Conv2d>(dim, dim, std::array<int64_t, 2>{7, 7},
                                                                 std::array<int64_t, 2>{1, 1},
                                                                 std::array<int64_t, 2>{3, 3}, dim),
                                        std::make_shared<Identity>(),  // torchvision: Permute to NHWC
                                        std::make_shared<LayerNorm>(dim, 1e-6),
                                        std::make_shared<Linear>(dim, 4 * dim),
                                        std::make_shared<GELU>(),
                                        std::make_shared<Linear>(4 * dim, dim),
                                        std::make_shared<Identity>(),  // torchvision: Permute back
                                    }));
  layer_scale = register_parameter("layer_scale", full({dim, 1, 1}, scale));
  stochastic_depth = register_module("stochastic_depth", std::make_shared<StochasticDepth>(sd_prob));
}

Tensor CNBlock::forward(const Tensor& x) {
  // block.0 .. block.6 as torchvision, with the MLP (block.3-5) as one fused op.
  Tensor y = (*block)[0]->forward(x);
  y = (*block)[2]->forward(y);
  const auto& fc1 = static_cast<const Linear&>(*(*block)[3]);
  const auto& fc2 = static_cast<const Linear&>(*(*block)[5]);
  y = mlp_gelu(y, fc1.weight, fc1.bias, fc2.weight, fc2.bias);
  y = y * layer_scale.reshape({-1});  // [dim] broadcasts over the channels-last dim
  return x + stochastic_depth->forward(y);
}

ConvNeXt::ConvNeXt(const ConvNeXtConfig& config) : config_(config) {
  const auto& dims = config.dims;
  MT_CHECK(!dims.empty() && dims.size() == config.depths.size(), "convnext: depths and dims must have the same,",
           " non-zero length, got ", config.depths.size(), " and ", dims.size());
  MT_CHECK(config.num_classes > 0, "convnext: num_classes must be positive, got ", config.num_classes);
  for (size_t s = 0; s < dims.size(); ++s)
    MT_CHECK(config.depths[s] >= 0 && dims[s] > 0, "convnext: stage ", s, " needs depth >= 0 and width > 0, got ",
             config.depths[s], " and ", dims[s]);
  MT_CHECK(config.stochastic_depth_prob >= 0 && config.stochastic_depth_prob <= 1,
           "convnext: stochastic_depth_prob must be in [0, 1], got ", config.stochastic_depth_prob);
  features_ = register_module("features", std::make_shared<Sequential>());
  features_->push_back(std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
      std::make_shared<Conv2d>(3, dims[0], std::array<int64_t, 2>{4, 4}, std::array<int64_t, 2>{4, 4}),
      std::make_shared<LayerNorm>(dims[0], 1e-6)}));
  int64_t total_blocks = 0, block_id = 0;
  for (int64_t d : config.depths) total_blocks += d;
  for (size_t stage = 0; stage < dims.size(); ++stage) {
    auto blocks = std::make_shared<Sequential>();
    for (int64_t j = 0; j < config.depths[stage]; ++j, ++block_id) {
      // Linearly increasing drop rate over all blocks, as torchvision.
      const double p = total_blocks > 1 ? config.stochastic_depth_prob * double(block_id) / double(total_blocks - 1) : 0;
      blocks->push_back(std::make_shared<CNBlock>(dims[stage], config.layer_scale, p));
    }
    features_->push_back(blocks);
    if (stage + 1 < dims.size())
      features_->push_back(std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
          std::make_shared<LayerNorm>(dims[stage], 1e-6),
          std::make_shared<Conv2d>(dims[stage], dims[stage + 1], std::array<int64_t, 2>{2, 2},
                                   std::array<int64_t, 2>{2, 2})}));
  }
  avgpool_ = register_module("avgpool", std::make_shared<AdaptiveAvgPool2d>());
  classifier_ = register_module("classifier", std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
                                                  std::make_shared<LayerNorm>(dims.back(), 1e-6),
                                                  std::make_shared<Flatten>(1),
                                                  std::make_shared<Linear>(dims.back(), config.num_classes)}));
  init_convnext(*this);
}

Tensor ConvNeXt::features(const Tensor& images) {
  MT_CHECK(images.dim() == 4 && images.size(1) == 3, "convnext: expects images [N, 3, H, W], got ",
           shape_str(images.shape()));
  MT_CHECK(images.size(2) >= 32 && images.size(3) >= 32, "convnext: images must be at least 32x32, got ",
           images.size(2), "x", images.size(3));
  Tensor x = features_->forward(images.permute({0, 2, 3, 1}));  // NCHW -> NHWC, once
  x = avgpool_->forward(x);
  x = (*classifier_)[0]->forward(x);  // LayerNorm2d
  return (*classifier_)[1]->forward(x);  // Flatten
}

Tensor ConvNeXt::forward(const Tensor& images) { return (*classifier_)[2]->forward(features(images)); }

void ConvNeXt::replace_head(int64_t num_classes) {
  MT_CHECK(num_classes > 0, "convnext: num_classes must be positive, got ", num_classes);
  auto head = std::make_shared<Linear>(config_.dims.back(), num_classes);
  {
    NoGradGuard no_grad;
    trunc_normal_(head->weight, 0, 0.02, -2, 2, nullptr);
    head->bias.zero_();
  }
  head->to(parameters().front().device());  // where the rest of the model is (a GPU, say),
  head->to(parameters().front().dtype());   // in its dtype (float64, say)
  classifier_->replace_child("2", head);
  config_.num_classes = num_classes;
}

double ConvNeXt::forward_macs(int64_t size) const {
  MT_CHECK(size > 0, "convnext: forward_macs needs a positive image size, got ", size);
  double macs = 0;
  int64_t hw = (size / 4) * (size / 4);
  macs += double(hw) * 48 * double(config_.dims[0]);  // stem
  for (size_t s = 0; s < config_.dims.size(); ++s) {
    const double d = double(config_.dims[s]);
    macs += double(config_.depths[s]) * double(hw) * (49 * d + 8 * d * d);  // dwconv + two Linears
    if (s + 1 < config_.dims.size()) {
      hw /= 4;
      macs += double(hw) * 4 * d * double(config_.dims[s + 1]);  // 2x2 stride-2 conv
    }
  }
  return macs + double(config_.dims.back()) * double(config_.num_classes);
}

void init_convnext(ConvNeXt& model) {
  NoGradGuard no_grad;
  for (auto& [name, t] : model.named_parameters()) {
    const bool is_bias = name.size() >= 5 && name.compare(name.size() - 5, 5, ".bias") == 0;
    if (is_bias) {
      t.zero_();  // conv, linear and LayerNorm biases
    } else if (name.find("layer_scale") != std::string::npos) {
      t.fill_(model.config().layer_scale);
    } else if (t.dim() >= 2) {
      trunc_normal_(t, 0, 0.02, -2, 2, nullptr);  // Conv2d and Linear weights
    } else {
      t.fill_(1.0);  // LayerNorm weights
    }
  }
}

}  // namespace minitorch::models
