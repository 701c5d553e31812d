#pragma once
// Softmax and log-softmax along a dim (numerically stable: the row maximum is subtracted first).
#include "minitorch/tensor.hpp"

namespace minitorch {

Tensor softmax(const Tensor& x, int64_t dim);
Tensor log_softmax(const Tensor& x, int64_t dim);

}  // namespace minitorch
