// convnext: ImageNet predictions and checkpoint conversion with minitorch's ConvNeXt.
//
//   convnext predict --weights FILE [--arch convnext_tiny] [--topk 5] [--json] [--device auto] IMAGE...
//   convnext convert --arch convnext_tiny IN(.pth|.safetensors) OUT.safetensors
//
// predict preprocesses as torchvision's ConvNeXt weights do (resize the shorter side to 236,
// bilinear with antialiasing; center crop 224; ImageNet mean and std) and prints the top-k classes
// with their probabilities; --json prints one object per image with every logit as well, so the
// numbers can be compared with PyTorch's.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>

#include "minitorch/minitorch.hpp"
#include "models/convnext.hpp"
#include "models/convnext_weights.hpp"
#include "models/device_choice.hpp"
#include "models/imagenet_classes.hpp"
#include "models/predict.hpp"

using namespace minitorch;

namespace {

std::unique_ptr<models::ConvNeXt> load_model(const std::string& arch, const std::string& weights,
                                             const nn::NamedTensors& checkpoint, int64_t num_classes) {
  models::ConvNeXtConfig config = models::ConvNeXtConfig::by_name(arch);
  config.num_classes = num_classes;
  auto model = std::make_unique<models::ConvNeXt>(config);
  const auto report = models::load_convnext_weights(*model, checkpoint);
  std::fprintf(stderr, "convnext: %s from %s\n", report.message.c_str(), weights.c_str());
  return model;
}

// "a 6-class head", "no classifier head"
std::string head_description(int64_t classes) {
  return classes < 0 ? "no classifier head" : "a " + std::to_string(classes) + "-class head";
}

int predict(const std::string& arch, const std::string& weights, int64_t topk, bool json,
            const std::vector<std::string>& images, const std::string& device_name) {
  const Device device = models::pick_device(device_name);
  const nn::NamedTensors checkpoint = models::read_weights_file(weights);
  // Loading would keep a fresh, random head in place of another one: the classes printed would
  // mean nothing.
  const int64_t head = models::head_classes(checkpoint);
  MT_CHECK(head == 1000, "predict: '", weights, "' has ", head_description(head),
           "; predict names ImageNet's 1000 classes, so it needs an ImageNet checkpoint (a fine-tuned model "
           "predicts with the program that trained it, e.g. faceage predict)");
  auto model = load_model(arch, weights, checkpoint, 1000);
  model->to(device);
  model->eval();
  const auto preprocess = models::imagenet_eval_preset();
  const std::vector<std::string> names = models::imagenet_class_names();
  NoGradGuard no_grad;
  for (const std::string& path : images) {
    const Tensor logits = model->forward(preprocess(data::read_image(path)).unsqueeze(0).to(device))[0].to(kCPU);
    const auto top = models::top_k_classes(logits, topk);
    std::cout << (json ? models::top_k_json(path, top, names, &logits) + "\n" : models::top_k_text(path, top, names));
  }
  return 0;
}

int convert(const std::string& arch, const std::string& in, const std::string& out) {
  const auto checkpoint = models::read_weights_file(in);
  const int64_t classes = models::head_classes(checkpoint);
  MT_CHECK(classes > 0, "convert: '", in, "' has ", head_description(classes),
           "; minitorch's ConvNeXt files hold a whole model, so only a checkpoint with its classifier converts");
  auto model = load_model(arch, in, checkpoint, classes);
  models::save_convnext_weights(out, *model, arch);
  std::fprintf(stderr, "convnext: wrote %s (%s, %lld classes, torchvision names)\n", out.c_str(), arch.c_str(),
               (long long)classes);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ConvNeXt with minitorch: ImageNet predictions and checkpoint conversion"};
  app.require_subcommand(1);
  std::string arch = "convnext_tiny", weights, in, out, device = "auto";
  int64_t topk = 5;
  bool json = false;
  std::vector<std::string> images;
  auto* p = app.add_subcommand("predict", "top-k ImageNet classes for images");
  p->add_option("--weights", weights, "torchvision/official .pth, timm or minitorch .safetensors")->required();
  p->add_option("--arch", arch, "convnext_tiny, convnext_small, convnext_base or convnext_large");
  p->add_option("--topk", topk, "how many classes to print")->check(CLI::Range(1, 1000));
  p->add_flag("--json", json, "one JSON object per image, with every logit");
  p->add_option("--device", device, "auto, cpu or cuda");
  p->add_option("images", images, "image files")->required();
  auto* c = app.add_subcommand("convert", "convert a checkpoint to minitorch's safetensors");
  c->add_option("--arch", arch, "architecture of the checkpoint");
  c->add_option("input", in, "checkpoint (.pth or .safetensors)")->required();
  c->add_option("output", out, "safetensors file to write")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    if (p->parsed()) return predict(arch, weights, topk, json, images, device);
    return convert(arch, in, out);
  } catch (const minitorch::Error& e) {
    std::fprintf(stderr, "convnext: error: %s\n", e.what());
    return 1;
  }
}
