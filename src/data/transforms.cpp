// The transform classes: argument checks and the random draws. The pixel maths is in
// resize.cpp, geometry.cpp, color.cpp and to_tensor.cpp.
#include "minitorch/data/transforms.hpp"

#include <algorithm>
#include <cmath>

#include "minitorch/data/image.hpp"
#include "minitorch/ops/creation.hpp"

namespace minitorch::data::transforms {

namespace {
// One uniform number in [low, high) from `gen` (torchvision: torch.empty(1).uniform_(low, high)).
double uniform(Generator& gen, double low, double high) {
  return low + (high - low) * rand({1}, {.dtype = kFloat64}, &gen).item();
}
}  // namespace

Resize::Resize(int64_t height, int64_t width) : height_(height), width_(width) {
  MT_CHECK(height > 0 && width > 0, "Resize: sizes must be positive, got ", height, " x ", width);
}
Resize::Resize(int64_t shorter_side) : height_(shorter_side), width_(-1) {
  MT_CHECK(shorter_side > 0, "Resize: the shorter side must be positive, got ", shorter_side);
}
Tensor Resize::operator()(const Tensor& image) const {
  return width_ < 0 ? resize_shorter_side(image, height_) : resize(image, height_, width_);
}

CenterCrop::CenterCrop(int64_t height, int64_t width) : height_(height), width_(width) {
  MT_CHECK(height > 0 && width > 0, "CenterCrop: sizes must be positive, got ", height, " x ", width);
}

RandomHorizontalFlip::RandomHorizontalFlip(double p) : p_(p) {
  MT_CHECK(p >= 0 && p <= 1, "RandomHorizontalFlip: p must be in [0, 1], got ", p);
}
Tensor RandomHorizontalFlip::operator()(const Tensor& image, Generator& gen) const {
  check_image(image, "RandomHorizontalFlip");
  // One draw per call, flipped or not, so the stream advances the same way either way.
  return uniform(gen, 0, 1) < p_ ? hflip(image) : image;
}

ColorJitter::ColorJitter(double brightness, double contrast, double saturation, double hue) {
  const auto factor_range = [](double x, const char* name) {
    MT_CHECK(std::isfinite(x) && x >= 0, "ColorJitter: ", name, " must be finite and non-negative, got ", x);
    return Range{std::max(0.0, 1 - x), 1 + x};
  };
  brightness_ = factor_range(brightness, "brightness");
  contrast_ = factor_range(contrast, "contrast");
  saturation_ = factor_range(saturation, "saturation");
  MT_CHECK(hue >= 0 && hue <= 0.5, "ColorJitter: hue must be in [0, 0.5], got ", hue);
  hue_ = Range{-hue, hue};
}

Tensor ColorJitter::operator()(const Tensor& image, Generator& gen) const {
  // As torchvision: first the order, then one factor per active step, then the steps.
  const std::vector<int64_t> order = randperm(4, &gen).to_vector<int64_t>();
  const double b = brightness_.active() ? uniform(gen, brightness_.low, brightness_.high) : 1;
  const double c = contrast_.active() ? uniform(gen, contrast_.low, contrast_.high) : 1;
  const double s = saturation_.active() ? uniform(gen, saturation_.low, saturation_.high) : 1;
  const double h = hue_.active() ? uniform(gen, hue_.low, hue_.high) : 0;
  Tensor out = image;
  for (int64_t step : order) {
    if (step == 0 && brightness_.active()) out = adjust_brightness(out, b);
    if (step == 1 && contrast_.active()) out = adjust_contrast(out, c);
    if (step == 2 && saturation_.active()) out = adjust_saturation(out, s);
    if (step == 3 && hue_.active()) out = adjust_hue(out, h);
  }
  return out;
}

Normalize::Normalize(std::vector<double> mean, std::vector<double> std) : mean_(std::move(mean)), std_(std::move(std)) {
  MT_CHECK(!mean_.empty() && mean_.size() == std_.size(), "Normalize: expected one mean and one std per channel, got ",
           mean_.size(), " means and ", std_.size(), " stds");
  for (double s : std_) MT_CHECK(s != 0, "Normalize: std must be non-zero");
}

Tensor Compose::operator()(const Tensor& input, Generator& gen) const {
  Tensor x = input;
  for (const Step& step : steps_) x = step(x, gen);
  return x;
}

}  // namespace minitorch::data::transforms
