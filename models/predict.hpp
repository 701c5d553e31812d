#pragma once
// Top-k classes of one image's logits, printed as text or as one JSON line. Shared by
// `convnext predict` (ImageNet checkpoints) and `faceage predict` (fine-tuned models).
#include <cstdint>
#include <string>
#include <vector>

#include "minitorch/tensor.hpp"

namespace minitorch::models {

struct ClassProbability {
  int64_t index = 0;
  double probability = 0;
};

// softmax(logits) ([C]), the k most probable classes in decreasing order (ties: lower index first).
std::vector<ClassProbability> top_k_classes(const Tensor& logits, int64_t k);

// "image\n" then one line per class: "  12.34%     7  name". `names` may be empty (index only).
std::string top_k_text(const std::string& image, const std::vector<ClassProbability>& top,
                       const std::vector<std::string>& names);

// {"image":..., ["logits":[...],] "topk":[{"class":i,"name":...,"prob":p}, ...]} on one line;
// the logits only when given. Names are left out when `names` is empty.
std::string top_k_json(const std::string& image, const std::vector<ClassProbability>& top,
                       const std::vector<std::string>& names, const Tensor* logits = nullptr);

// The ImageNet-1k names as strings (imagenet_classes() holds them as C strings).
std::vector<std::string> imagenet_class_names();

}  // namespace minitorch::models
