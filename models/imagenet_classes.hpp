#pragma once
#include <array>

#include "minitorch/data/transforms.hpp"

namespace minitorch::models {
// The ImageNet-1k class names, indexed as the logits of torchvision's (and timm's, and the
// official ConvNeXt) ImageNet checkpoints.
const std::array<const char*, 1000>& imagenet_classes();

// The evaluation preset of torchvision's ConvNeXt weights: resize the shorter side to 236
// (bilinear, antialiased), center crop 224, ToTensor, ImageNet mean and std. Image -> [3, 224, 224].
data::transforms::Compose imagenet_eval_preset();
}  // namespace minitorch::models
