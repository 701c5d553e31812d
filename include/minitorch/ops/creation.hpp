#pragma once
// Factory functions. Every one takes TensorOptions (dtype float32, cpu, no grad by default).
#include <vector>

#include "minitorch/random.hpp"
#include "minitorch/tensor.hpp"

namespace minitorch {

Tensor zeros(const Shape& shape, TensorOptions options = {});
Tensor ones(const Shape& shape, TensorOptions options = {});
Tensor full(const Shape& shape, double value, TensorOptions options = {});
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
Tensor scalar_tensor(double value, TensorOptions options = {});  // 0-dim

// [start, end) in steps of step. Unlike torch.arange, the dtype is float32 unless options say.
Tensor arange(double start, double end, double step = 1, TensorOptions options = {});
Tensor arange(double end, TensorOptions options = {});
Tensor linspace(double start, double end, int64_t steps, TensorOptions options = {});
Tensor eye(int64_t n, int64_t m = -1, TensorOptions options = {});

// Copies values into a new tensor of `shape` (default: 1-D) converted to options.dtype;
// scalar_tensor() makes a 0-dim one.
Tensor tensor(const std::vector<double>& values, const Shape& shape = {}, TensorOptions options = {});
// Copies a typed vector; the dtype is T's.
template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape);
// Copies numel(shape) elements of `dtype` from host memory.
Tensor from_blob(const void* data, const Shape& shape, DType dtype, TensorOptions options = {});

Tensor rand(const Shape& shape, TensorOptions options = {}, Generator* gen = nullptr);   // U[0, 1)
Tensor randn(const Shape& shape, TensorOptions options = {}, Generator* gen = nullptr);  // N(0, 1)
// Integers in [low, high); int64 unless options say otherwise.
Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions options = {.dtype = kInt64},
               Generator* gen = nullptr);
// A random permutation of 0..n-1 (int64).
Tensor randperm(int64_t n, Generator* gen = nullptr);

// In-place fills from a generator (the Tensor methods use the default generator).
void uniform_(Tensor& t, double low, double high, Generator* gen);
void normal_(Tensor& t, double mean, double std, Generator* gen);
// N(mean, std) truncated to [a, b] (absolute bounds, as torch.nn.init.trunc_normal_).
void trunc_normal_(Tensor& t, double mean, double std, double a, double b, Generator* gen);

}  // namespace minitorch
