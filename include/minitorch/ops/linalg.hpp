#pragma once
// Matrix products. matmul follows torch.matmul: 1-D operands are promoted to matrices and the
// batch dims (all but the last two) broadcast.
#include "minitorch/tensor.hpp"

namespace minitorch {

Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);   // [m, k] x [k, n]
Tensor bmm(const Tensor& a, const Tensor& b);  // [B, m, k] x [B, k, n]
// x @ weight^T + bias, with weight [out, in] as torch.nn.functional.linear; bias may be undefined.
// One GEMM whose output starts as the broadcast bias (no separate bias pass).
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());
// linear(gelu(linear(x, w1, b1)), w2, b2), the MLP of a transformer or ConvNeXt block, fused: it
// keeps only x and the hidden pre-activation for backward and recomputes the GELU there, which
// saves one hidden-sized tensor per block.
Tensor mlp_gelu(const Tensor& x, const Tensor& w1, const Tensor& b1, const Tensor& w2, const Tensor& b2);

}  // namespace minitorch
