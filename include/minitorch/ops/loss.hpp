#pragma once
// Classification losses and metrics, with torch.nn.functional's semantics.
#include "minitorch/tensor.hpp"

namespace minitorch {

enum class Reduction { None, Mean, Sum };

struct CrossEntropyOptions {
  Tensor weight;                 // [C] per-class weights, or undefined
  Reduction reduction = Reduction::Mean;
  double label_smoothing = 0;    // in [0, 1]
  int64_t ignore_index = -100;   // targets equal to it contribute nothing
};

// logits [N, C], target [N] (int64 class indices). Computed from log_softmax, so stable for any
// logits. Mean reduction divides by the summed weights of the counted targets, as PyTorch.
Tensor cross_entropy(const Tensor& logits, const Tensor& target, const CrossEntropyOptions& options = {});
// log_probs [N, C], target [N]: -log_probs[i, target[i]] (weighted), reduced.
Tensor nll_loss(const Tensor& log_probs, const Tensor& target, const Tensor& weight = Tensor(),
                Reduction reduction = Reduction::Mean, int64_t ignore_index = -100);

// Fraction of rows whose argmax equals the target.
double accuracy(const Tensor& logits, const Tensor& target);
// counts[t][p]: how many samples of true class t were predicted as p (sklearn's orientation).
Tensor confusion_matrix(const Tensor& predicted, const Tensor& target, int64_t num_classes);

}  // namespace minitorch
