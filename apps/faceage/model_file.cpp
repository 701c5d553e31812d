#include "model_file.hpp"

#include <cstdio>
#include <sstream>

#include "minitorch/io/safetensors.hpp"
#include "models/convnext_weights.hpp"
#include "models/predict.hpp"

namespace faceage {

using namespace minitorch;

namespace {
std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}
}  // namespace

TrainedModel load_trained_model(const std::string& path) {
  TrainedModel out;
  try {
    SafetensorsMetadata meta;
    const nn::NamedTensors tensors = models::read_weights_file(path, &meta);
    models::ConvNeXtConfig config = models::convnext_config_of(tensors);
    MT_CHECK(config.num_classes > 0, "no classifier weights (classifier.2.weight)");
    out.model = std::make_unique<models::ConvNeXt>(config);
    // (load_convnext_weights compares the file's architecture with the model's again; here the
    // model was built from it, so that check always passes.)
    const auto report = models::load_convnext_weights(*out.model, tensors);
    std::fprintf(stderr, "faceage: %s from %s\n", report.message.c_str(), path.c_str());
    // Class names: those `faceage train` saved, ImageNet's for a 1000-class checkpoint, else none.
    if (meta.count("classes")) {
      std::string line;
      for (std::istringstream lines(meta.at("classes")); std::getline(lines, line);) out.class_names.push_back(line);
      out.class_names_saved = true;
      MT_CHECK(int64_t(out.class_names.size()) == config.num_classes, "its metadata names ", out.class_names.size(),
               " classes but the model has ", config.num_classes);
    } else if (config.num_classes == 1000) {
      out.class_names = models::imagenet_class_names();
    }
    if (meta.count(kImageSizeKey)) {
      const std::string& size = meta.at(kImageSizeKey);
      char* end = nullptr;
      out.image_size = std::strtoll(size.c_str(), &end, 10);
      MT_CHECK(*end == '\0' && out.image_size >= 32 && out.image_size <= 4096, "its metadata gives the image size '",
               size, "' (expected a whole number from 32 to 4096)");
    }
  } catch (const Error& e) {
    detail::fail("model file ", path, ": ", e.what());
  }
  return out;
}

int64_t input_size_for(const TrainedModel& m, int64_t requested, const char* command) {
  if (requested == 0 && m.image_size == 0) {
    std::fprintf(stderr, "faceage %s: note: the model file does not record the image size it was trained at; using "
                 "224x224 (give --image-size to change it)\n", command);
    return 224;
  }
  if (requested == 0) return m.image_size;
  if (m.image_size > 0 && requested != m.image_size)
    std::fprintf(stderr, "faceage %s: note: the model was trained on %lldx%lld images; --image-size gives %lldx%lld\n",
                 command, (long long)m.image_size, (long long)m.image_size, (long long)requested, (long long)requested);
  return requested;
}

void check_same_classes(const TrainedModel& m, const std::vector<std::string>& folder_classes, const std::string& folder,
                        const char* command) {
  const int64_t classes = m.model->config().num_classes;
  MT_CHECK(int64_t(folder_classes.size()) == classes, command, ": ", folder, " has ", folder_classes.size(),
           " class folders (", joined(folder_classes), "), the model was trained for ", classes, " classes");
  // A model `faceage train` wrote knows its class names: folders in another order or renamed
  // would pair each image with another class's output.
  if (m.class_names_saved)
    MT_CHECK(folder_classes == m.class_names, command, ": the class folders of ", folder, " (", joined(folder_classes),
             ") are not the classes the model was trained on (", joined(m.class_names), ")");
}

}  // namespace faceage
