// Full-size convnext_tiny against torchvision (opt-in: scripts/check-against-torch.sh).
//   convnext_full_check DIR   (DIR written by tools/convnext_full_check.py)
// Loads DIR/weights.pth through the .pth reader, runs a training-mode forward and backward of the
// mean cross-entropy, and compares logits (1e-4 relative) and every parameter gradient (1e-3
// relative, in the L2 norm of each tensor) with PyTorch's.
#include <cmath>
#include <cstdio>

#include "minitorch/minitorch.hpp"
#include "models/convnext.hpp"
#include "models/convnext_weights.hpp"
#include "models/imagenet_classes.hpp"

using namespace minitorch;

namespace {
double relative_l2(const Tensor& a, const Tensor& b) {
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  double num = 0, den = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    num += (x[i] - y[i]) * (x[i] - y[i]);
    den += y[i] * y[i];
  }
  return std::sqrt(num / std::max(den, 1e-30));
}
}  // namespace

int main(int argc, char** argv) try {
  if (argc != 2) {
    std::fprintf(stderr, "usage: convnext_full_check DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  models::ConvNeXtConfig config = models::ConvNeXtConfig::tiny();
  config.stochastic_depth_prob = 0;
  models::ConvNeXt model(config);
  std::printf("%s\n", models::load_convnext_weights(model, models::read_weights_file(dir + "/weights.pth")).message.c_str());
  nn::NamedTensors expected = models::read_weights_file(dir + "/expected.pth");
  auto get = [&](const std::string& name) -> Tensor {
    for (auto& [n, t] : expected)
      if (n == name) return t;
    detail::fail("convnext_full_check: expected.pth has no '", name, "'");
  };
  model.train();
  Tensor logits = model.forward(get("input"));
  const Tensor want = get("logits");
  const double max_abs = amax(abs(want)).item();
  const double worst = amax(abs(logits.detach() - want)).item() / max_abs;
  std::printf("logits: max |difference| / max |logit| = %.3g (limit 1e-4)\n", worst);
  bool ok = worst <= 1e-4;
  cross_entropy(logits, get("labels")).backward();
  double worst_grad = 0;
  std::string worst_name;
  for (auto& [name, p] : model.named_parameters()) {
    const double e = relative_l2(p.grad(), get("grad." + name));
    if (e > worst_grad) {
      worst_grad = e;
      worst_name = name;
    }
  }
  std::printf("gradients: worst relative L2 error %.3g at %s (limit 1e-3)\n", worst_grad, worst_name.c_str());
  ok = ok && worst_grad <= 1e-3;
  // The ImageNet evaluation preset (PIL-exact resize and crop) on a PNG, in eval mode.
  model.eval();
  NoGradGuard no_grad;
  const Tensor image = models::imagenet_eval_preset()(data::read_image(std::string(MINITORCH_FIXTURES) + "/data/photo_250.png"));
  const Tensor preset = model.forward(image.unsqueeze(0))[0], preset_want = get("preset_logits");
  const double preset_err = amax(abs(preset - preset_want)).item() / amax(abs(preset_want)).item();
  std::printf("preset logits on photo_250.png: max |difference| / max |logit| = %.3g (limit 1e-4)\n", preset_err);
  ok = ok && preset_err <= 1e-4;
  std::printf("%s\n", ok ? "1 passed, 0 failed" : "0 passed, 1 failed");
  return ok ? 0 : 1;
} catch (const minitorch::Error& e) {
  std::fprintf(stderr, "convnext_full_check: %s\n", e.what());
  return 1;
}
