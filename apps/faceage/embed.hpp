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
// Writes out_dir/convnext_train_features.pth and convnext_val_features.pth, each with the class
// names of its labels beside it (convnext_train_features.classes.txt, ...).
void embed(const EmbedOptions& options);

// The class names of a features file's labels, one per line, in `<features>.classes.txt`
// (faceage plot names its legend with them): the file's path, writing it, and reading it (empty
// when there is none).
std::string class_names_file(const std::string& features_path);
void write_class_names(const std::string& features_path, const std::vector<std::string>& names);
std::vector<std::string> read_class_names(const std::string& features_path);

}  // namespace faceage
