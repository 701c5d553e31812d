#pragma once
// Features of a trained model over both splits (the tutorial's extract_features), saved as the
// .pth tuples (features float32 [N, D], labels int64 [N]) that torch.load reads.
#include <cstdint>
#include <string>

namespace faceage {

struct EmbedOptions {
  std::string data_dir, checkpoint, out_dir;
  std::string layer = "logits";  // logits (the seed's model outputs) | pooled (the 768-d embedding)
  int64_t image_size = 224;
  int64_t batch_size = 32;
  int workers = 2;
  std::string device = "auto";   // auto | cpu | cuda
};
// Writes out_dir/convnext_train_features.pth and convnext_val_features.pth.
void embed(const EmbedOptions& options);

}  // namespace faceage
