#pragma once
// Matrix products. matmul follows torch.matmul: 1-D operands are promoted to matrices and the
// batch dims (all but the last two) broadcast.
#include "minitorch/tensor.hpp"

namespace minitorch {

Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);   // [m, k] x [k, n]
Tensor bmm(const Tensor& a, const Tensor& b);  // [B, m, k] x [B, k, n]
// x @ weight^T + bias, with weight [out, in] as torch.nn.functional.linear; bias may be undefined.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());

}  // namespace minitorch
