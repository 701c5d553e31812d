// From uint8 images to the float tensors a network reads.
#include <cstdint>

#include "minitorch/data/functional.hpp"
#include "minitorch/data/image.hpp"

namespace minitorch::data::transforms {

Tensor to_tensor(const Tensor& image) {
  check_image(image, "to_tensor");
  const Tensor src = image.contiguous();
  const int64_t h = src.size(0), w = src.size(1), plane = h * w;
  Tensor out = empty({3, h, w});
  const uint8_t* in = src.data_ptr<uint8_t>();
  float* o = out.data_ptr<float>();
  // HWC -> CHW. A division, not a multiplication by 1/255, gives torchvision's exact values.
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t i = 0; i < plane; ++i) o[c * plane + i] = float(in[i * 3 + c]) / 255.0f;
  return out;
}

Tensor normalize(const Tensor& tensor, const std::vector<double>& mean, const std::vector<double>& std) {
  MT_CHECK(tensor.defined() && tensor.dtype() == kFloat32 && tensor.dim() == 3 && tensor.device().is_cpu(),
           "normalize: expected a float32 CPU tensor [C, H, W], got ",
           tensor.defined() ? std::string(dtype_name(tensor.dtype())) + " " + shape_str(tensor.shape()) : "undefined");
  const int64_t channels = tensor.size(0), plane = tensor.size(1) * tensor.size(2);
  MT_CHECK(int64_t(mean.size()) == channels && int64_t(std.size()) == channels, "normalize: ", channels,
           " channels need as many means and stds, got ", mean.size(), " and ", std.size());
  const Tensor src = tensor.contiguous();
  Tensor out = empty(src.shape());
  const float* in = src.data_ptr<float>();
  float* o = out.data_ptr<float>();
  for (int64_t c = 0; c < channels; ++c) {
    MT_CHECK(std[size_t(c)] != 0, "normalize: std of channel ", c, " is zero");
    // torchvision subtracts and divides in float32: (x - float(mean)) / float(std).
    const float m = float(mean[size_t(c)]), s = float(std[size_t(c)]);
    for (int64_t i = c * plane; i < (c + 1) * plane; ++i) o[i] = (in[i] - m) / s;
  }
  return out;
}

}  // namespace minitorch::data::transforms
