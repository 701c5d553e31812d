#include "embed.hpp"

#include <cstdio>
#include <fstream>

#include "files.hpp"
#include "minitorch/minitorch.hpp"
#include "models/device_choice.hpp"
#include "minitorch/data/image_folder.hpp"
#include "minitorch/data/loader.hpp"
#include "model_file.hpp"
#include "run_record.hpp"
#include "train.hpp"

namespace faceage {

using namespace minitorch;

std::string class_names_file(const std::string& features_path) {
  fs::path p(features_path);
  return p.replace_extension(".classes.txt").string();
}

void write_class_names(const std::string& features_path, const std::vector<std::string>& names) {
  std::string text;
  for (const std::string& name : names) text += name + "\n";
  write_text_atomic(class_names_file(features_path), text);
}

std::vector<std::string> read_class_names(const std::string& features_path) {
  std::vector<std::string> names;
  std::ifstream in(class_names_file(features_path));
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) names.push_back(line);
  return names;
}

void embed(const EmbedOptions& o) {
  MT_CHECK(o.layer == "logits" || o.layer == "pooled", "--layer must be logits or pooled, got '", o.layer, "'");
  MT_CHECK(o.image_size == 0 || o.image_size >= 32, "embed: --image-size must be at least 32, got ", o.image_size);
  MT_CHECK(o.batch_size > 0 && o.workers >= 0, "embed: invalid batch size or workers");
  const Device device = models::pick_device(o.device);
  check_finished(o.data_dir, "embed");
  const TrainedModel trained = load_trained_model(o.checkpoint);
  models::ConvNeXt& model = *trained.model;
  model.to(device);
  model.eval();
  // Deterministic features: the evaluation transform and dataset order for both splits.
  const data::transforms::Compose transform = eval_transform(input_size_for(trained, o.image_size, "embed"));
  // Both splits are checked before anything is written.
  std::vector<std::pair<std::string, data::ImageFolder>> splits;
  for (const char* split : {"train", "val"}) {
    const std::string dir = (fs::path(o.data_dir) / split).string();
    splits.emplace_back(split, data::ImageFolder(dir, transform));
    // Pooled features need no head of the folder's classes: any images can be embedded.
    if (o.layer == "logits") check_same_classes(trained, splits.back().second.classes(), dir, "embed");
  }
  ensure_writable_dir(o.out_dir, "output");
  for (auto& [split, set] : splits) {
    const bool pin = device.is_cuda();
    data::DataLoader loader(set, {.batch_size = o.batch_size, .num_workers = o.workers, .pin_memory = pin});
    std::vector<Tensor> features, labels;
    NoGradGuard no_grad;
    for (const data::Batch& batch : loader.epoch(0)) {
      const Tensor inputs = batch.inputs.to(device, pin);
      features.push_back((o.layer == "logits" ? model.forward(inputs) : model.features(inputs)).to(kCPU));
      labels.push_back(batch.labels);
    }
    const std::string path = (fs::path(o.out_dir) / ("convnext_" + split + "_features.pth")).string();
    save_pth_tuple(path, {cat(features, 0), cat(labels, 0)});
    write_class_names(path, set.classes());
    std::printf("wrote %s (%lld x %lld %s)\n", path.c_str(), (long long)set.size(), (long long)features[0].size(1),
                o.layer.c_str());
  }
}

}  // namespace faceage
