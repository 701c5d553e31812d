#pragma once
// The deterministic image operations behind the transforms, with torchvision's names
// (torchvision.transforms.functional) and the results torchvision 0.14 gives on PIL images
// (Pillow 9.4), pixel for pixel. Images are uint8 [H, W, 3] tensors (data/image.hpp); the
// results are new contiguous tensors.
#include <cstdint>
#include <vector>

#include "minitorch/tensor.hpp"

namespace minitorch::data::transforms {

// Bilinear resampling with antialiasing, as PIL's img.resize((width, height), BILINEAR): a
// triangle filter whose support widens with the downscale factor, 8-bit fixed-point arithmetic.
Tensor resize(const Tensor& image, int64_t height, int64_t width);
// torchvision's Resize(size) with one number: the shorter side becomes `shorter_side`, the
// longer one int(shorter_side * long / short) (truncated), which keeps the aspect ratio.
Tensor resize_shorter_side(const Tensor& image, int64_t shorter_side);

// The centred (height, width) window; offsets round((H - height) / 2) half to even, as
// torchvision. A crop larger than the image is an error (torchvision would pad).
Tensor center_crop(const Tensor& image, int64_t height, int64_t width);
Tensor hflip(const Tensor& image);  // mirror left-right

// The four ColorJitter steps. Each blends the image with a "degenerate" image as PIL's
// ImageEnhance does: out = degenerate + factor * (image - degenerate), clipped to [0, 255] and
// truncated to uint8. factor 1 returns the image unchanged.
Tensor adjust_brightness(const Tensor& image, double factor);  // degenerate: black
Tensor adjust_contrast(const Tensor& image, double factor);    // degenerate: the mean grey level
Tensor adjust_saturation(const Tensor& image, double factor);  // degenerate: the grey image
// Rotates the hue by hue_factor turns, hue_factor in [-0.5, 0.5], through PIL's 8-bit HSV.
Tensor adjust_hue(const Tensor& image, double hue_factor);
// PIL's convert('L'): (19595 R + 38470 G + 7471 B + 2^15) >> 16, i.e. ITU-R 601 luma rounded.
// Returns uint8 [H, W].
Tensor rgb_to_grayscale(const Tensor& image);

// uint8 [H, W, 3] -> float32 [3, H, W] with values v / 255, as torchvision's ToTensor.
Tensor to_tensor(const Tensor& image);
// (x - mean[c]) / std[c] on a float32 [C, H, W] tensor (one mean and std per channel),
// computed in float32 as torchvision.
Tensor normalize(const Tensor& tensor, const std::vector<double>& mean, const std::vector<double>& std);

}  // namespace minitorch::data::transforms
