#include "models/convnext_weights.hpp"

#include <fstream>

#include "minitorch/io/pth.hpp"
#include "minitorch/io/safetensors.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <regex>

namespace minitorch::models {

const char* layout_name(CheckpointLayout layout) {
  switch (layout) {
    case CheckpointLayout::TorchVision: return "torchvision";
    case CheckpointLayout::Official: return "official ConvNeXt";
    case CheckpointLayout::Timm: return "timm";
  }
  return "?";
}

namespace {

// The prefixes training code wraps keys in (a "model"/"state_dict" entry, DataParallel's
// "module.", torch.compile's "_orig_mod."), stripped in any order and number.
std::string strip_wrappers(std::string name) {
  for (bool stripped = true; stripped;) {
    stripped = false;
    for (const char* prefix : {"model.", "state_dict.", "module.", "_orig_mod."})
      if (name.rfind(prefix, 0) == 0) {
        name = name.substr(std::string(prefix).size());
        stripped = true;
      }
  }
  return name;
}

bool has_key(const nn::NamedTensors& c, const std::string& key) {
  for (const auto& [n, t] : c)
    if (n == key) return true;
  return false;
}

// Renames one key; returns "" when the key is in no known place of the layout.
std::string rename(CheckpointLayout layout, const std::string& name) {
  std::smatch m;
  if (layout == CheckpointLayout::TorchVision) return name;
  static const std::map<std::string, std::string> block_parts_official = {
      {"dwconv", "block.0"}, {"norm", "block.2"}, {"pwconv1", "block.3"}, {"pwconv2", "block.5"}};
  static const std::map<std::string, std::string> block_parts_timm = {
      {"conv_dw", "block.0"}, {"norm", "block.2"}, {"mlp.fc1", "block.3"}, {"mlp.fc2", "block.5"}};
  if (layout == CheckpointLayout::Official) {
    static const std::regex down(R"(downsample_layers\.(\d+)\.([01])\.(weight|bias))");
    static const std::regex block(R"(stages\.(\d+)\.(\d+)\.(dwconv|norm|pwconv1|pwconv2)\.(weight|bias))");
    static const std::regex gamma(R"(stages\.(\d+)\.(\d+)\.gamma)");
    if (std::regex_match(name, m, down)) {
      const int k = std::stoi(m[1]);
      return "features." + std::to_string(2 * k) + "." + m[2].str() + "." + m[3].str();
    }
    if (std::regex_match(name, m, block))
      return "features." + std::to_string(2 * std::stoi(m[1]) + 1) + "." + m[2].str() + "." +
             block_parts_official.at(m[3]) + "." + m[4].str();
    if (std::regex_match(name, m, gamma))
      return "features." + std::to_string(2 * std::stoi(m[1]) + 1) + "." + m[2].str() + ".layer_scale";
    if (name == "norm.weight" || name == "norm.bias") return "classifier.0." + name.substr(5);
    if (name == "head.weight" || name == "head.bias") return "classifier.2." + name.substr(5);
    return "";
  }
  static const std::regex stem(R"(stem\.([01])\.(weight|bias))");
  static const std::regex down(R"(stages\.(\d+)\.downsample\.([01])\.(weight|bias))");
  static const std::regex block(R"(stages\.(\d+)\.blocks\.(\d+)\.(conv_dw|norm|mlp\.fc1|mlp\.fc2)\.(weight|bias))");
  static const std::regex gamma(R"(stages\.(\d+)\.blocks\.(\d+)\.gamma)");
  if (std::regex_match(name, m, stem)) return "features.0." + m[1].str() + "." + m[2].str();
  if (std::regex_match(name, m, down))
    return "features." + std::to_string(2 * std::stoi(m[1])) + "." + m[2].str() + "." + m[3].str();
  if (std::regex_match(name, m, block))
    return "features." + std::to_string(2 * std::stoi(m[1]) + 1) + "." + m[2].str() + "." + block_parts_timm.at(m[3]) +
           "." + m[4].str();
  if (std::regex_match(name, m, gamma))
    return "features." + std::to_string(2 * std::stoi(m[1]) + 1) + "." + m[2].str() + ".layer_scale";
  if (name == "head.norm.weight" || name == "head.norm.bias") return "classifier.0." + name.substr(10);
  if (name == "head.fc.weight" || name == "head.fc.bias") return "classifier.2." + name.substr(8);
  return "";
}

}  // namespace

namespace {

// Training checkpoints keep the weights in one entry beside others (the optimizer's state, an EMA
// copy, the loss scaler): {'model': ..., 'optimizer': ..., 'model_ema': ...} in the official
// ConvNeXt code, {'state_dict': ..., 'state_dict_ema': ...} in timm's. The entries that hold
// weights, in the order they are preferred (the EMA copy only when there is no other).
constexpr const char* kWeightEntries[] = {"model", "state_dict", "model_ema", "state_dict_ema"};

bool in_entry(const std::string& name, const std::string& entry) {
  return name.size() > entry.size() && name.compare(0, entry.size(), entry) == 0 && name[entry.size()] == '.';
}

// The tensors of the preferred weights entry, its prefix removed, when the checkpoint has one;
// the entry and the entries left out beside it go to `source`.
nn::NamedTensors select_weights_entry(const nn::NamedTensors& checkpoint, CheckpointSource& source) {
  for (const std::string entry : kWeightEntries) {
    const auto inside = [&](const auto& named) { return in_entry(named.first, entry); };
    if (std::none_of(checkpoint.begin(), checkpoint.end(), inside)) continue;
    nn::NamedTensors kept;
    for (const auto& [name, t] : checkpoint) {
      if (in_entry(name, entry)) {
        kept.emplace_back(name.substr(entry.size() + 1), t);
        continue;
      }
      const std::string top = name.substr(0, name.find('.'));
      if (std::find(source.ignored.begin(), source.ignored.end(), top) == source.ignored.end())
        source.ignored.push_back(top);
    }
    if (!source.ignored.empty()) source.entry = entry;  // {'model': weights} alone is just wrapped
    return kept;
  }
  return checkpoint;
}

}  // namespace

nn::NamedTensors to_torchvision_names(const nn::NamedTensors& checkpoint, CheckpointSource* source) {
  CheckpointSource found;
  nn::NamedTensors stripped;
  for (const auto& [n, t] : select_weights_entry(checkpoint, found)) stripped.emplace_back(strip_wrappers(n), t);
  CheckpointLayout layout;
  if (has_key(stripped, "features.0.0.weight")) layout = CheckpointLayout::TorchVision;
  else if (has_key(stripped, "downsample_layers.0.0.weight")) layout = CheckpointLayout::Official;
  else if (has_key(stripped, "stem.0.weight")) layout = CheckpointLayout::Timm;
  else {
    std::string some;
    for (size_t i = 0; i < stripped.size() && i < 5; ++i) some += (i ? ", " : "") + stripped[i].first;
    detail::fail("convnext weights: the keys match no known ConvNeXt layout (torchvision, official, timm);",
                 " the checkpoint starts with: ", some.empty() ? "(no tensors)" : some);
  }
  found.layout = layout;
  if (source) *source = found;
  nn::NamedTensors out;
  std::vector<std::string> unknown;
  for (const auto& [n, t] : stripped) {
    const std::string mapped = rename(layout, n);
    if (mapped.empty()) {
      unknown.push_back(n);
      continue;
    }
    const bool scale = mapped.size() > 12 && mapped.compare(mapped.size() - 12, 12, ".layer_scale") == 0;
    // timm's small variants write the MLP as 1x1 convolutions: [out, in, 1, 1] is a Linear's [out, in].
    const bool conv_mlp = t.dim() == 4 && t.size(2) == 1 && t.size(3) == 1 &&
                          (mapped.find(".block.3.") != std::string::npos || mapped.find(".block.5.") != std::string::npos);
    out.emplace_back(mapped, scale && t.dim() == 1 ? t.reshape({t.size(0), 1, 1})
                             : conv_mlp            ? t.reshape({t.size(0), t.size(1)})
                                                   : t);
  }
  if (!unknown.empty()) {
    std::string list;
    for (size_t i = 0; i < unknown.size() && i < 10; ++i) list += (i ? ", " : "") + unknown[i];
    detail::fail("convnext weights: ", unknown.size(), " keys of this ", layout_name(layout),
                 " checkpoint belong to no ConvNeXt layer: ", list);
  }
  return out;
}

namespace {
int64_t classifier_rows(const nn::NamedTensors& torchvision_state) {
  for (const auto& [n, t] : torchvision_state)
    if (n == "classifier.2.weight") return t.size(0);
  return -1;
}
}  // namespace

int64_t head_classes(const nn::NamedTensors& checkpoint) { return classifier_rows(to_torchvision_names(checkpoint)); }

namespace {

// Depths and widths of a checkpoint in torchvision's names; nullopt when a part is missing.
std::optional<ConvNeXtConfig> architecture_of(const nn::NamedTensors& torchvision_state) {
  static const std::regex block(R"(features\.([1357])\.(\d+)\.block\.0\.weight)");
  static const std::regex conv(R"(features\.([0246])\.(0|1)\.weight)");
  ConvNeXtConfig c;
  c.depths.assign(4, 0);
  c.dims.assign(4, 0);
  c.num_classes = classifier_rows(torchvision_state);
  std::smatch m;
  for (const auto& [name, t] : torchvision_state) {
    if (std::regex_match(name, m, block)) {
      const size_t stage = size_t(std::stoi(m[1]) / 2);
      c.depths[stage] = std::max(c.depths[stage], int64_t(std::stoll(m[2])) + 1);
    } else if (std::regex_match(name, m, conv) && t.dim() == 4) {
      // The stem's conv is features.0.0; stage i's downsampling conv is features.(2i).1.
      const int f = std::stoi(m[1]);
      if ((f == 0) == (m[2] == "0")) c.dims[size_t(f / 2)] = t.size(0);
    }
  }
  for (size_t i = 0; i < 4; ++i)
    if (c.depths[i] == 0 || c.dims[i] == 0) return std::nullopt;
  return c;
}

std::string joined(const std::vector<int64_t>& v) {
  std::string out;
  for (int64_t x : v) out += (out.empty() ? "" : "-") + std::to_string(x);
  return out;
}

// "convnext_atto (depths 2-2-6-2, widths 40-80-160-320)"
std::string describe(const ConvNeXtConfig& c) {
  const std::string name = convnext_variant_name(c);
  return (name.empty() ? std::string("a ConvNeXt") : name) + " (depths " + joined(c.depths) + ", widths " +
         joined(c.dims) + ")";
}

}  // namespace

ConvNeXtConfig convnext_config_of(const nn::NamedTensors& checkpoint) {
  const auto config = architecture_of(to_torchvision_names(checkpoint));
  MT_CHECK(config.has_value(), "convnext weights: the checkpoint lacks the stem, a downsampling layer or a stage's ",
           "blocks, so its architecture cannot be read from it");
  return *config;
}

std::string convnext_variant_name(const ConvNeXtConfig& config) {
  for (const auto& [name, known] : ConvNeXtConfig::variants())
    if (known.depths == config.depths && known.dims == config.dims) return name;
  return "";
}

LoadReport load_convnext_weights(ConvNeXt& model, const nn::NamedTensors& checkpoint) {
  LoadReport report;
  nn::NamedTensors state = to_torchvision_names(checkpoint, &report.source);
  if (const auto theirs = architecture_of(state)) {
    const ConvNeXtConfig& mine = model.config();
    MT_CHECK(theirs->depths == mine.depths && theirs->dims == mine.dims, "convnext weights: the checkpoint is ",
             describe(*theirs), ", the model is ", describe(mine));
  }
  const auto in_head = [](const auto& named) { return named.first.rfind("classifier.2.", 0) == 0; };
  const int64_t head_classes = classifier_rows(state);
  const int64_t classes = model.config().num_classes;
  // A headless checkpoint (timm's num_classes=0, a backbone for fine-tuning) and one whose head has
  // another class count both leave the model's own head in place; everything else loads strictly.
  report.head_missing = std::none_of(state.begin(), state.end(), in_head);
  report.head_skipped = head_classes >= 0 && head_classes != classes;
  if (report.head_missing || report.head_skipped) {
    std::erase_if(state, in_head);
    for (const auto& named : model.state_dict())
      if (in_head(named)) state.emplace_back(named.first, named.second.detach().clone());
  }
  model.load_state_dict(state, true);

  report.message = std::string("loaded ") + layout_name(report.source.layout) + " weights";
  if (!report.source.entry.empty()) {
    std::string ignored;
    for (const std::string& e : report.source.ignored) ignored += (ignored.empty() ? "" : ", ") + e;
    report.message += " from the checkpoint's '" + report.source.entry + "' entry (left out: " + ignored + ")";
  }
  const std::string keeps = ": the model keeps its new " + std::to_string(classes) + "-class head)";
  if (report.head_skipped)
    report.message += " (classifier head of " + std::to_string(head_classes) + " classes skipped" + keeps;
  if (report.head_missing) report.message += " (the checkpoint has no classifier head" + keeps;
  return report;
}

nn::NamedTensors read_weights_file(const std::string& path, SafetensorsMetadata* metadata) {
  std::ifstream in(path, std::ios::binary);
  MT_CHECK(in.good(), "weights: cannot open '", path, "'");
  char magic[2] = {0, 0};
  in.read(magic, 2);
  if (metadata) metadata->clear();
  StateDict dict;
  if (magic[0] == 'P' && magic[1] == 'K') {
    dict = load_pth(path);
  } else {
    try {
      dict = load_safetensors(path, metadata);
    } catch (const Error& e) {
      detail::fail("weights: '", path, "' is neither a torch.save archive (.pth, a zip file) nor a readable ",
                   "safetensors file: ", e.what());
    }
  }
  nn::NamedTensors out;
  for (const auto& [name, t] : dict) out.emplace_back(name, t);
  return out;
}

void save_convnext_weights(const std::string& path, const ConvNeXt& model, const std::string& arch,
                           const std::vector<std::string>& class_names, const SafetensorsMetadata& extra) {
  StateDict dict;
  for (const auto& [name, t] : model.state_dict()) dict.insert(name, t.detach());
  SafetensorsMetadata meta = extra;
  meta["format"] = "pt";
  meta["arch"] = arch;
  meta["num_classes"] = std::to_string(model.config().num_classes);
  if (!class_names.empty()) {
    MT_CHECK(int64_t(class_names.size()) == model.config().num_classes, "save_convnext_weights: ", class_names.size(),
             " class names for a model of ", model.config().num_classes, " classes");
    std::string lines;
    for (const std::string& name : class_names) {
      MT_CHECK(!name.empty() && name.find('\n') == std::string::npos,
               "save_convnext_weights: class names must be non-empty single lines, got \"", name, "\"");
      lines += (lines.empty() ? "" : "\n") + name;
    }
    meta["classes"] = lines;
  }
  save_safetensors(path, dict, meta);
}

}  // namespace minitorch::models
