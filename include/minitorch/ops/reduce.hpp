#pragma once
// Reductions over any set of dims (negative dims count from the end; an empty list means all).
#include "minitorch/tensor.hpp"

namespace minitorch {

Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, const Shape& dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const Shape& dims, bool keepdim = false);
// Variance with Bessel's correction by default (divides by N - correction), as torch.var.
Tensor var(const Tensor& x, const Shape& dims, bool keepdim = false, double correction = 1);
Tensor std(const Tensor& x, const Shape& dims, bool keepdim = false, double correction = 1);

// Largest / smallest value over the given dims; ties share the gradient equally (torch.amax).
Tensor amax(const Tensor& x, const Shape& dims = {}, bool keepdim = false);
Tensor amin(const Tensor& x, const Shape& dims = {}, bool keepdim = false);
Tensor max(const Tensor& x);  // over all elements
Tensor min(const Tensor& x);

struct ValuesIndices {
  Tensor values;   // differentiable: the gradient goes to the index taken
  Tensor indices;  // int64, first occurrence
};
ValuesIndices max(const Tensor& x, int64_t dim, bool keepdim = false);
ValuesIndices min(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim = false);

// Sums a broadcast gradient back to `shape` (the reverse of expand).
Tensor sum_to(const Tensor& x, const Shape& shape);

}  // namespace minitorch
