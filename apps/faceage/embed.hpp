#pragma once
// Features of a trained model over both splits (the tutorial's extract_features), saved as the
// .pth tuples (features float32 [N, D], labels int64 [N]) that torch.load reads.
#include <cstdint>
#include <string>
#include <vector>

namespace faceage {

struct EmbedOptions {
  std::string data_dir, checkpoint, out_dir;
  std::string layer = "logits";  // logits (the seed's model outputs) | pooled (the 768-d embedding)
  int64_t image_size = 0;        // 0: the size the model was trained at (224 when unknown)
  int64_t batch_size = 32;
  int workers = 2;
  std::string device = "auto";   // auto | cpu | cuda
};
// Writes out_dir/convnext_train_features.pth and convnext_val_features.pth, and the class names
// of their labels in out_dir/convnext_classes.txt.
void embed(const EmbedOptions& options);

// The class names beside a features file, one per line (faceage plot names its legend with
// them): the file in `dir`, writing it, and reading it (empty when there is none).
std::string class_names_file(const std::string& dir);
void write_class_names(const std::string& dir, const std::vector<std::string>& names);
std::vector<std::string> read_class_names(const std::string& dir);

}  // namespace faceage
