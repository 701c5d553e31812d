#include "models/predict.hpp"

#include <algorithm>
#include <cstdio>

#include "minitorch/error.hpp"
#include "minitorch/ops/activation.hpp"
#include "models/imagenet_classes.hpp"
#include "src/io/json.hpp"

namespace minitorch::models {

std::vector<ClassProbability> top_k_classes(const Tensor& logits, int64_t k) {
  MT_CHECK(logits.dim() == 1, "top_k_classes: expected the logits of one image ([C]), got ", logits.dim(), " dims");
  const std::vector<double> probs = softmax(logits, 0).to_vector<double>();
  std::vector<ClassProbability> all(probs.size());
  for (size_t i = 0; i < probs.size(); ++i) all[i] = {int64_t(i), probs[i]};
  k = std::clamp<int64_t>(k, 0, int64_t(all.size()));
  std::partial_sort(all.begin(), all.begin() + k, all.end(), [](const ClassProbability& a, const ClassProbability& b) {
    return a.probability != b.probability ? a.probability > b.probability : a.index < b.index;
  });
  all.resize(size_t(k));
  return all;
}

std::string top_k_text(const std::string& image, const std::vector<ClassProbability>& top,
                       const std::vector<std::string>& names) {
  std::string out = image + "\n";
  for (const ClassProbability& c : top) {
    char line[64];
    std::snprintf(line, sizeof line, "  %6.2f%%  %4lld", 100 * c.probability, (long long)c.index);
    out += line;
    if (!names.empty()) out += "  " + names.at(size_t(c.index));
    out += "\n";
  }
  return out;
}

std::string top_k_json(const std::string& image, const std::vector<ClassProbability>& top,
                       const std::vector<std::string>& names, const Tensor* logits) {
  std::string out = "{\"image\":" + internal::json_quote(image);
  char buf[64];
  if (logits) {
    out += ",\"logits\":[";
    const std::vector<double> values = logits->to_vector<double>();
    for (size_t i = 0; i < values.size(); ++i) {
      std::snprintf(buf, sizeof buf, "%s%.9g", i ? "," : "", values[i]);
      out += buf;
    }
    out += "]";
  }
  out += ",\"topk\":[";
  for (size_t i = 0; i < top.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%s{\"class\":%lld", i ? "," : "", (long long)top[i].index);
    out += buf;
    if (!names.empty()) out += ",\"name\":" + internal::json_quote(names.at(size_t(top[i].index)));
    std::snprintf(buf, sizeof buf, ",\"prob\":%.6f}", top[i].probability);
    out += buf;
  }
  return out + "]}";
}

std::vector<std::string> imagenet_class_names() {
  const auto& names = imagenet_classes();
  return {names.begin(), names.end()};
}

}  // namespace minitorch::models
