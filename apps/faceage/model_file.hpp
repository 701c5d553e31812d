#pragma once
// Loading the model `faceage train` saved (safetensors with "arch" and "num_classes" metadata),
// or any checkpoint the ConvNeXt loader reads when --arch says which model it is.
#include <memory>
#include <string>

#include "models/convnext.hpp"

namespace faceage {

std::unique_ptr<minitorch::models::ConvNeXt> load_trained_model(const std::string& path,
                                                                const std::string& arch_if_unknown = "convnext_tiny");

}  // namespace faceage
