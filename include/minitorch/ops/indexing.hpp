#pragma once
// Joining and indexing.
#include <vector>

#include "minitorch/tensor.hpp"

namespace minitorch {

// Joins along an existing dim; all other dims must match.
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
// Joins along a new dim; all shapes must match.
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
// out = x with dim `dim` restricted to the (int64, 1-D) index, in its order.
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
// out[i][j][k] = x[index[i][j][k]][j][k] for dim 0, and so on (torch.gather).
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// A copy of x with src added at the positions index names along dim (torch.scatter_add).
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
// A copy of x with source's slices added at the positions index names along dim.
Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source);

}  // namespace minitorch
