#pragma once
// Helpers shared by the op implementations: from Tensor to the kernel interface and back.
#include "kernels.hpp"
#include "minitorch/autograd.hpp"
#include "minitorch/tensor.hpp"

namespace minitorch::internal {

// The kernel's view of a tensor (element 0's address, shape, strides).
kernels::Strided strided(const Tensor& t, const char* op = "op");
// The kernel's view of t broadcast to `shape`.
kernels::Strided strided_as(const Tensor& t, const Shape& shape, const char* op);

inline kernels::Backend& backend(const Tensor& t) { return kernels::backend_for(t.device()); }

// All defined tensors must be on one device; returns it.
Device common_device(const char* op, const Tensors& tensors);

// In-place ops write `self` element by element while reading `source`, and record no gradient.
// check_writable_in_place throws when two of self's elements share memory (an expand()ed view),
// whose result would depend on the order of the writes. inplace_source returns the source on
// self's device, a copy of it where it shares memory with self in another layout (a.add_(a.t())
// would read elements already written), and throws when it requires grad while grad mode is on
// (the gradient would be silently lost).
void check_writable_in_place(const char* op, const Tensor& self);
Tensor inplace_source(const char* op, const Tensor& self, const Tensor& source);

// t as a matrix [rows, width] of its last dim (width) by all the others: reshape({-1, width}),
// also when width is 0, where -1 cannot be inferred.
Tensor as_rows(const Tensor& t, int64_t width);

// A new tensor like `like` (dtype, device) of another shape.
Tensor empty_like_shape(const Tensor& like, const Shape& shape, DType dtype);

// The sorted, non-negative, unique dims of a reduction (empty means all).
Shape reduction_dims(const Shape& dims, int64_t ndim, const char* op);
// The shape after reducing `dims` (kept as 1s when keepdim).
Shape reduced_shape(const Shape& shape, const Shape& dims, bool keepdim);

// The dtype in which matrix products of float `t` tensors read their operands now: bfloat16 inside
// an AutocastGuard when t is float32, else t.
DType gemm_operand_dtype(DType t);
// t in the operand dtype, without autograd (t itself when it has it already).
Tensor as_operand(const Tensor& t, DType operand);

// c = a @ b + beta * c for 2-D a [m, k] (any strides), b [k, n] (any strides), contiguous c [m, n];
// a and b have c's dtype, or are both bfloat16 for a float32 c (autocast).
void gemm_into(const Tensor& a, const Tensor& b, Tensor& c, double beta);

// g *= gelu'(x) (exact GELU) in place, elementwise, no autograd; x and g contiguous, one shape.
void gelu_backward_(const Tensor& x, Tensor& g);

}  // namespace minitorch::internal
