#pragma once
// Loading the model `faceage train` saved (safetensors with "arch", "num_classes" and "classes"
// metadata), or any checkpoint the ConvNeXt loader reads when --arch says which model it is.
#include <memory>
#include <string>
#include <vector>

#include "models/convnext.hpp"

namespace faceage {

struct TrainedModel {
  std::unique_ptr<minitorch::models::ConvNeXt> model;
  // The names of its classes: those `faceage train` saved ("classes" metadata), the ImageNet-1k
  // names for a 1000-class checkpoint without them, else empty (print indices).
  std::vector<std::string> class_names;
};
TrainedModel load_trained_model(const std::string& path, const std::string& arch_if_unknown = "convnext_tiny");

}  // namespace faceage
