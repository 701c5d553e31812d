#pragma once
// ConvNeXt checkpoints in the three layouts users download, mapped to torchvision's names:
//
//   torchvision  features.0.0.weight ... features.S.j.block.{0,2,3,5}, .layer_scale, classifier.{0,2}
//   official     downsample_layers.k.{0,1}, stages.i.j.{dwconv,norm,pwconv1,pwconv2,gamma}, norm, head
//                (facebookresearch/ConvNeXt; the .pth wraps it as {'model': ...})
//   timm         stem.{0,1}, stages.i.downsample.{0,1}, stages.i.blocks.j.{conv_dw,norm,mlp.fc1,mlp.fc2,
//                gamma}, head.norm, head.fc
//
// A training checkpoint's weights entry is taken first, the rest left out: "model" (then
// "state_dict", "model_ema", "state_dict_ema") beside "optimizer", "model_ema" and the like.
// Prefixes "model." / "state_dict." / "module." / "_orig_mod." (wrappers, DataParallel,
// torch.compile) are then removed, in any order and number.
#include <string>
#include <vector>

#include "minitorch/io/safetensors.hpp"
#include "minitorch/nn/module.hpp"
#include "models/convnext.hpp"

namespace minitorch::models {

enum class CheckpointLayout { TorchVision, Official, Timm };
const char* layout_name(CheckpointLayout layout);

// Where a checkpoint's weights were found.
struct CheckpointSource {
  CheckpointLayout layout = CheckpointLayout::TorchVision;
  std::string entry;                 // the training checkpoint's weights entry ("model"), "" for the whole file
  std::vector<std::string> ignored;  // the entries left out beside it ("optimizer", "model_ema")
};

// Detects the layout from the keys and renames every tensor to torchvision's names (layer scales
// [dim] become [dim, 1, 1]). Keys that belong to no layer (e.g. num_batches_tracked) are an error
// naming them; so is a set of keys in no known layout.
nn::NamedTensors to_torchvision_names(const nn::NamedTensors& checkpoint, CheckpointSource* source = nullptr);

struct LoadReport {
  CheckpointSource source;
  bool head_skipped = false;  // the checkpoint's classifier had another class count
  bool head_missing = false;  // the checkpoint has no classifier (a headless backbone)
  std::string message;        // one line for the user
};

// Loads a checkpoint in any layout into `model`. A classifier head of another class count (an
// ImageNet checkpoint for a 6-class model) is skipped and reported, keeping the model's head; a
// checkpoint without a head (timm's num_classes=0) keeps the model's head as well.
// A checkpoint of another architecture is an Error naming both (e.g. convnext_atto's depths and
// widths against convnext_tiny's); any other missing, unexpected or mis-shaped key is an Error
// listing them.
LoadReport load_convnext_weights(ConvNeXt& model, const nn::NamedTensors& checkpoint);

// The classes of a checkpoint's head: the rows of its classifier, -1 when it has none. Any layout.
int64_t head_classes(const nn::NamedTensors& checkpoint);

// The architecture of a checkpoint (any layout), read from its tensors: the stage depths from the
// blocks' names, the widths from the stem's and the downsampling convolutions' shapes, and
// num_classes from the head (-1 without one). An Error when the tensors are not a whole ConvNeXt.
ConvNeXtConfig convnext_config_of(const nn::NamedTensors& checkpoint);
// "convnext_tiny", "convnext_atto", ... when `config` has a named variant's depths and widths;
// else "" (a custom ConvNeXt).
std::string convnext_variant_name(const ConvNeXtConfig& config);

// Reads every tensor of a weights file: a torch.save archive (.pth, recognised by its zip
// signature) or a safetensors file; the names are the file's own. `metadata`, when given,
// receives a safetensors file's "__metadata__" (nothing for a .pth).
nn::NamedTensors read_weights_file(const std::string& path, SafetensorsMetadata* metadata = nullptr);
// Writes minitorch's own format: safetensors with torchvision's names and the architecture in
// the metadata ("arch", "num_classes", and "classes": the class names one per line, when given),
// plus any `extra` metadata (an app's own, e.g. the image size it trained at).
void save_convnext_weights(const std::string& path, const ConvNeXt& model, const std::string& arch,
                           const std::vector<std::string>& class_names = {}, const SafetensorsMetadata& extra = {});

}  // namespace minitorch::models
