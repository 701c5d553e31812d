#pragma once
// Loading the model `faceage train` saved (safetensors with "arch", "num_classes", "classes" and
// "image_size" metadata), or any ConvNeXt checkpoint the weights loader reads (torchvision or
// official .pth, timm safetensors): the architecture is read from the tensors themselves.
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
  bool class_names_saved = false;  // the names are the file's own ("classes" metadata)
  int64_t image_size = 0;  // the square size it was trained at; 0 when the file does not say
};
TrainedModel load_trained_model(const std::string& path);

// The input size for evaluating `m`: `requested` (an --image-size option, 0 when not given), else
// the size the model was trained at, else 224. A note on stderr says when the two differ, or when
// the file does not record its size.
int64_t input_size_for(const TrainedModel& m, int64_t requested, const char* command);

// The error when `folder`'s classes are not those the model was trained on (names saved by
// `faceage train`; only the count for other checkpoints).
void check_same_classes(const TrainedModel& m, const std::vector<std::string>& folder_classes, const std::string& folder,
                        const char* command);

// The metadata `faceage train` adds to the model file.
constexpr const char* kImageSizeKey = "image_size";

}  // namespace faceage
