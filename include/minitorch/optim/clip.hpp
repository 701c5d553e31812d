#pragma once
// Gradient clipping, as torch.nn.utils.clip_grad_norm_.
#include <vector>

#include "minitorch/tensor.hpp"

namespace minitorch::optim {

// Scales the gradients of `params` in place so that their joint norm is at most max_norm, and
// returns the joint norm they had before. The joint norm is the norm_type-norm of the vector of
// the parameters' own norms (norm_type = INFINITY: the largest absolute value). The gradients are
// multiplied by max_norm / (total + 1e-6) when that is below 1, and left alone otherwise.
// Parameters without a gradient are skipped. With error_if_nonfinite, a NaN or infinite total is
// an Error instead (torch's option; by default such gradients become NaN, as in torch).
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2,
                       bool error_if_nonfinite = false);

}  // namespace minitorch::optim
