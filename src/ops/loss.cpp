// Losses as compositions of differentiable ops (log_softmax, gather, weighted sums), so their
// gradients come from the ops' own backward formulas.
#include "minitorch/ops/loss.hpp"

#include <cmath>

#include "../internal.hpp"
#include "minitorch/ops/activation.hpp"
#include "minitorch/ops/creation.hpp"
#include "minitorch/ops/elementwise.hpp"
#include "minitorch/ops/indexing.hpp"
#include "minitorch/ops/reduce.hpp"

namespace minitorch {

namespace {

struct Targets {
  Tensor index;  // [N, 1] int64 with ignored targets replaced by 0
  Tensor keep;   // [N] 1 where counted, 0 where ignored (input dtype)
};

Targets check_targets(const char* op, const Tensor& scores, const Tensor& target, const Tensor& weight,
                      int64_t ignore_index) {
  MT_CHECK(scores.dim() == 2, op, ": expects [N, C] scores, got ", shape_str(scores.shape()));
  MT_CHECK(target.dtype() == kInt64 && target.dim() == 1 && target.size(0) == scores.size(0), op,
           ": target must be int64 [", scores.size(0), "], got ", dtype_name(target.dtype()), " ",
           shape_str(target.shape()));
  const int64_t classes = scores.size(1);
  if (weight.defined())
    MT_CHECK(weight.dim() == 1 && weight.size(0) == classes, op, ": weight must be [", classes, "], got ",
             shape_str(weight.shape()));
  const auto t = target.to_vector<int64_t>();
  for (size_t i = 0; i < t.size(); ++i)
    MT_CHECK(t[i] == ignore_index || (t[i] >= 0 && t[i] < classes), op, ": target ", t[i], " at position ", i,
             " is out of range for ", classes, " classes");
  Tensor ignored = target == double(ignore_index);
  Targets out;
  out.index = where(ignored, zeros_like(target), target).unsqueeze(1);
  out.keep = (1.0 - ignored.to(scores.dtype()));
  return out;
}

// Mean divides by the total weight of the counted targets. When every target is ignored the
// loss is NaN, as torch's, but its gradient is 0 (torch's backward skips ignored targets), not
// the 0 * inf = NaN that dividing by a total of 0 would give. (Counted targets whose class
// weights sum to 0 give NaN gradients, in torch as here.)
Tensor reduce(const Tensor& per_sample, const Tensor& total_weight, const Tensor& keep, Reduction reduction) {
  switch (reduction) {
    case Reduction::None: return per_sample;
    case Reduction::Sum: return sum(per_sample);
    case Reduction::Mean: {
      const Tensor total = total_weight.detach();
      const Tensor none_counted = sum(keep) == 0.0;
      const Tensor scale = where(none_counted, zeros_like(total), 1.0 / total);
      const Tensor nan_if_none = where(none_counted, full_like(total, std::nan("")), zeros_like(total));
      return sum(per_sample) * scale + nan_if_none;
    }
  }
  return per_sample;
}

}  // namespace

Tensor nll_loss(const Tensor& log_probs, const Tensor& target, const Tensor& weight, Reduction reduction,
                int64_t ignore_index) {
  const Targets t = check_targets("nll_loss", log_probs, target, weight, ignore_index);
  // w_i = weight[target_i] (1 without weights), 0 for ignored targets
  Tensor w = weight.defined() ? index_select(weight.to(log_probs.dtype()), 0, t.index.squeeze(1)) * t.keep : t.keep;
  Tensor per_sample = -gather(log_probs, 1, t.index).squeeze(1) * w;
  return reduce(per_sample, sum(w), t.keep, reduction);
}

Tensor cross_entropy(const Tensor& logits, const Tensor& target, const CrossEntropyOptions& o) {
  MT_CHECK(o.label_smoothing >= 0 && o.label_smoothing <= 1, "cross_entropy: label_smoothing must be in [0, 1], got ",
           o.label_smoothing);
  const Targets t = check_targets("cross_entropy", logits, target, o.weight, o.ignore_index);
  const Tensor logp = log_softmax(logits, 1);
  const Tensor weight = o.weight.defined() ? o.weight.to(logits.dtype()) : Tensor();
  Tensor w = weight.defined() ? index_select(weight, 0, t.index.squeeze(1)) * t.keep : t.keep;
  Tensor per_sample = -gather(logp, 1, t.index).squeeze(1) * w;
  if (o.label_smoothing > 0) {
    // torch: (1 - e) * nll + e * (-sum_c weight_c logp_c) / C, the same denominator for both.
    const double eps = o.label_smoothing, classes = double(logits.size(1));
    Tensor smooth = -(weight.defined() ? sum(logp * weight, {1}) : sum(logp, {1})) * t.keep;
    per_sample = per_sample * (1 - eps) + smooth * (eps / classes);
  }
  return reduce(per_sample, sum(w), t.keep, o.reduction);
}

double accuracy(const Tensor& logits, const Tensor& target) {
  MT_CHECK(logits.dim() == 2 && target.dim() == 1 && logits.size(0) == target.size(0), "accuracy: expects logits",
           " [N, C] and target [N], got ", shape_str(logits.shape()), " and ", shape_str(target.shape()));
  if (target.numel() == 0) return 0;
  return mean((argmax(logits.detach(), 1) == target).to(kFloat64)).item();
}

Tensor confusion_matrix(const Tensor& predicted, const Tensor& target, int64_t num_classes) {
  MT_CHECK(predicted.shape() == target.shape() && predicted.dim() == 1, "confusion_matrix: predicted and target must",
           " be 1-D of one length, got ", shape_str(predicted.shape()), " and ", shape_str(target.shape()));
  MT_CHECK(num_classes > 0, "confusion_matrix: num_classes must be positive");
  const auto p = predicted.to_vector<int64_t>(), t = target.to_vector<int64_t>();
  std::vector<int64_t> counts(static_cast<size_t>(num_classes * num_classes), 0);
  for (size_t i = 0; i < p.size(); ++i) {
    MT_CHECK(p[i] >= 0 && p[i] < num_classes && t[i] >= 0 && t[i] < num_classes, "confusion_matrix: class ",
             (p[i] < 0 || p[i] >= num_classes) ? p[i] : t[i], " at position ", i, " is outside [0, ", num_classes, ")");
    ++counts[size_t(t[i] * num_classes + p[i])];
  }
  return from_vector(counts, {num_classes, num_classes});
}

}  // namespace minitorch
