#pragma once
// torchvision-style transforms: small function objects, chained with Compose.
//
//   using namespace minitorch::data::transforms;
//   Compose train({Resize(224, 224), RandomHorizontalFlip(0.5), ColorJitter(0.2, 0.2),
//                  ToTensor(), Normalize({0.485, 0.456, 0.406}, {0.229, 0.224, 0.225})});
//   Generator gen(seed);
//   Tensor x = train(read_image(path), gen);  // float32 [3, 224, 224]
//
// Every transform is called as t(input, gen). The random ones draw only from `gen`, so one seed
// reproduces a whole pipeline; the others ignore it and can also be called as t(input). The
// pixel maths lives in data/functional.hpp; these classes only hold parameters and draw them.
#include <cstdint>
#include <functional>
#include <vector>

#include "minitorch/data/functional.hpp"
#include "minitorch/random.hpp"
#include "minitorch/tensor.hpp"

namespace minitorch::data::transforms {

// Resize(h, w) gives exactly h x w; Resize(s) scales the shorter side to s, keeping the aspect.
class Resize {
 public:
  Resize(int64_t height, int64_t width);
  explicit Resize(int64_t shorter_side);
  Tensor operator()(const Tensor& image) const;
  Tensor operator()(const Tensor& image, Generator&) const { return (*this)(image); }

 private:
  int64_t height_, width_;  // width_ < 0: shorter-side mode, height_ is the side
};

class CenterCrop {
 public:
  CenterCrop(int64_t height, int64_t width);
  explicit CenterCrop(int64_t size) : CenterCrop(size, size) {}
  Tensor operator()(const Tensor& image) const { return center_crop(image, height_, width_); }
  Tensor operator()(const Tensor& image, Generator&) const { return (*this)(image); }

 private:
  int64_t height_, width_;
};

// Mirrors the image with probability p.
class RandomHorizontalFlip {
 public:
  explicit RandomHorizontalFlip(double p = 0.5);
  Tensor operator()(const Tensor& image, Generator& gen) const;

 private:
  double p_;
};

// torchvision's ColorJitter: brightness, contrast and saturation factors uniform in
// [max(0, 1 - x), 1 + x], the hue factor uniform in [-hue, hue] (hue <= 0.5), the four steps
// applied in a random order; a step whose range is zero is skipped.
class ColorJitter {
 public:
  explicit ColorJitter(double brightness = 0, double contrast = 0, double saturation = 0, double hue = 0);
  Tensor operator()(const Tensor& image, Generator& gen) const;

 private:
  struct Range {
    double low, high;
    bool active() const { return low != high; }
  };
  Range brightness_, contrast_, saturation_, hue_;
};

class ToTensor {
 public:
  Tensor operator()(const Tensor& image) const { return to_tensor(image); }
  Tensor operator()(const Tensor& image, Generator&) const { return (*this)(image); }
};

class Normalize {
 public:
  Normalize(std::vector<double> mean, std::vector<double> std);
  Tensor operator()(const Tensor& tensor) const { return normalize(tensor, mean_, std_); }
  Tensor operator()(const Tensor& tensor, Generator&) const { return (*this)(tensor); }

 private:
  std::vector<double> mean_, std_;
};

// Applies its steps in order. Any callable taking (const Tensor&, Generator&) is a step.
class Compose {
 public:
  using Step = std::function<Tensor(const Tensor&, Generator&)>;
  explicit Compose(std::vector<Step> steps) : steps_(std::move(steps)) {}
  Tensor operator()(const Tensor& input, Generator& gen) const;
  Tensor operator()(const Tensor& input) const { return (*this)(input, default_generator()); }

 private:
  std::vector<Step> steps_;
};

}  // namespace minitorch::data::transforms
