#include "embed.hpp"

#include <cstdio>

#include "files.hpp"
#include "minitorch/minitorch.hpp"
#include "models/device_choice.hpp"
#include "minitorch/data/image_folder.hpp"
#include "minitorch/data/loader.hpp"
#include "model_file.hpp"
#include "train.hpp"

namespace faceage {

using namespace minitorch;

void embed(const EmbedOptions& o) {
  MT_CHECK(o.layer == "logits" || o.layer == "pooled", "--layer must be logits or pooled, got '", o.layer, "'");
  MT_CHECK(o.image_size >= 32 && o.batch_size > 0 && o.workers >= 0, "embed: invalid image size, batch size or workers");
  const Device device = models::pick_device(o.device);
  ensure_writable_dir(o.out_dir, "output");
  auto model = load_trained_model(o.checkpoint).model;
  model->to(device);
  model->eval();
  // Deterministic features: the evaluation transform and dataset order for both splits.
  const data::transforms::Compose transform = eval_transform(o.image_size);
  for (const char* split : {"train", "val"}) {
    data::ImageFolder set((fs::path(o.data_dir) / split).string(), transform);
    MT_CHECK(int64_t(set.classes().size()) == model->config().num_classes || o.layer == "pooled", "embed: ", o.data_dir,
             "/", split, " has ", set.classes().size(), " classes, the model ", model->config().num_classes);
    const bool pin = device.is_cuda();
    data::DataLoader loader(set, {.batch_size = o.batch_size, .num_workers = o.workers, .pin_memory = pin});
    std::vector<Tensor> features, labels;
    NoGradGuard no_grad;
    for (const data::Batch& batch : loader.epoch(0)) {
      const Tensor inputs = batch.inputs.to(device, pin);
      features.push_back((o.layer == "logits" ? model->forward(inputs) : model->features(inputs)).to(kCPU));
      labels.push_back(batch.labels);
    }
    const std::string path = (fs::path(o.out_dir) / (std::string("convnext_") + split + "_features.pth")).string();
    save_pth_tuple(path, {cat(features, 0), cat(labels, 0)});
    std::printf("wrote %s (%lld x %lld %s)\n", path.c_str(), (long long)set.size(), (long long)features[0].size(1),
                o.layer.c_str());
  }
}

}  // namespace faceage
