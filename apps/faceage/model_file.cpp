#include "model_file.hpp"

#include <cstdio>
#include <sstream>

#include "minitorch/io/safetensors.hpp"
#include "models/convnext_weights.hpp"
#include "models/predict.hpp"

namespace faceage {

using namespace minitorch;

TrainedModel load_trained_model(const std::string& path, const std::string& arch_if_unknown) {
  SafetensorsMetadata meta;
  const nn::NamedTensors tensors = models::read_weights_file(path, &meta);
  const std::string arch = meta.count("arch") ? meta.at("arch") : arch_if_unknown;
  const int64_t classes = models::head_classes(tensors);  // the checkpoint's own class count
  MT_CHECK(classes > 0, path, ": no classifier weights (classifier.2.weight) in this checkpoint");
  models::ConvNeXtConfig config = models::ConvNeXtConfig::by_name(arch);
  config.num_classes = classes;
  TrainedModel out;
  out.model = std::make_unique<models::ConvNeXt>(config);
  const auto report = models::load_convnext_weights(*out.model, tensors);
  std::fprintf(stderr, "faceage: %s from %s\n", report.message.c_str(), path.c_str());
  // Class names: those `faceage train` saved, ImageNet's for a 1000-class checkpoint, else none.
  if (meta.count("classes")) {
    std::string line;
    for (std::istringstream lines(meta.at("classes")); std::getline(lines, line);) out.class_names.push_back(line);
    MT_CHECK(int64_t(out.class_names.size()) == classes, path, ": its metadata names ", out.class_names.size(),
             " classes but the model has ", classes);
  } else if (classes == 1000) {
    out.class_names = models::imagenet_class_names();
  }
  return out;
}

}  // namespace faceage
