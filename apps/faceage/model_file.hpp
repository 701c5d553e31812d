#pragma once
// Loading the model `faceage train` saved (safetensors with "arch" and "num_classes" metadata),
// or any checkpoint the ConvNeXt loader reads when --arch says which model it is.
#include <memory>
#include <string>
#include <vector>

#include "models/convnext.hpp"

namespace faceage {

std::unique_ptr<minitorch::models::ConvNeXt> load_trained_model(const std::string& path,
                                                                const std::string& arch_if_unknown = "convnext_tiny");

// The names of a checkpoint's classes: those `faceage train` saved ("classes" metadata), the
// ImageNet-1k names for a 1000-class checkpoint without them, else none (print indices).
std::vector<std::string> trained_class_names(const std::string& path, int64_t num_classes);

}  // namespace faceage
