#include "model_file.hpp"

#include <cstdio>

#include "minitorch/io/safetensors.hpp"
#include "models/convnext_weights.hpp"

namespace faceage {

using namespace minitorch;

std::unique_ptr<models::ConvNeXt> load_trained_model(const std::string& path, const std::string& arch_if_unknown) {
  const nn::NamedTensors tensors = models::read_weights_file(path);
  std::string arch = arch_if_unknown;
  SafetensorsMetadata meta;
  if (path.size() > 12 && path.substr(path.size() - 12) == ".safetensors") {
    load_safetensors(path, &meta);
    if (meta.count("arch")) arch = meta.at("arch");
  }
  // The class count is the checkpoint's own: its classifier's rows.
  int64_t classes = -1;
  for (const auto& [name, t] : models::to_torchvision_names(tensors))
    if (name == "classifier.2.weight") classes = t.size(0);
  MT_CHECK(classes > 0, path, ": no classifier weights (classifier.2.weight) in this checkpoint");
  models::ConvNeXtConfig config = models::ConvNeXtConfig::by_name(arch);
  config.num_classes = classes;
  auto model = std::make_unique<models::ConvNeXt>(config);
  const auto report = models::load_convnext_weights(*model, tensors);
  std::fprintf(stderr, "faceage: %s from %s\n", report.message.c_str(), path.c_str());
  return model;
}

}  // namespace faceage
