// Factory functions and random fills.
#include "minitorch/ops/creation.hpp"

#include <cmath>
#include <cstring>
#include <numeric>

#include "../internal.hpp"
#include "minitorch/autograd.hpp"

namespace minitorch {

using kernels::Distribution;

namespace {
// Factories build values with grad mode off, then mark the result as a leaf if asked.
Tensor finish(Tensor t, const TensorOptions& options) {
  if (options.requires_grad) t.requires_grad_(true);
  return t;
}
TensorOptions without_grad(TensorOptions o) {
  o.requires_grad = false;
  return o;
}
}  // namespace

Tensor full(const Shape& shape, double value, TensorOptions options) {
  Tensor t = empty(shape, without_grad(options));
  internal::backend(t).fill(t.dtype(), internal::strided(t), value);
  return finish(t, options);
}
Tensor zeros(const Shape& shape, TensorOptions options) { return full(shape, 0, options); }
Tensor ones(const Shape& shape, TensorOptions options) { return full(shape, 1, options); }
Tensor zeros_like(const Tensor& t) { return zeros(t.shape(), t.options()); }
Tensor ones_like(const Tensor& t) { return ones(t.shape(), t.options()); }
Tensor full_like(const Tensor& t, double value) { return full(t.shape(), value, t.options()); }
Tensor scalar_tensor(double value, TensorOptions options) { return full({}, value, options); }

Tensor arange(double start, double end, double step, TensorOptions options) {
  MT_CHECK(step != 0, "arange: step must be non-zero");
  MT_CHECK(std::isfinite(start) && std::isfinite(end), "arange: start and end must be finite");
  MT_CHECK((end - start) / step >= 0, "arange: step ", step, " points away from end (start ", start, ", end ", end, ")");
  const int64_t n = int64_t(std::ceil((end - start) / step));
  std::vector<double> values(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) values[size_t(i)] = start + double(i) * step;
  return tensor(values, {n}, options);
}
Tensor arange(double end, TensorOptions options) { return arange(0, end, 1, options); }

Tensor linspace(double start, double end, int64_t steps, TensorOptions options) {
  MT_CHECK(steps >= 0, "linspace: steps must be non-negative, got ", steps);
  std::vector<double> values(static_cast<size_t>(steps));
  const double step = steps > 1 ? (end - start) / double(steps - 1) : 0;
  // Fill from both ends, as PyTorch does, so the last value is exactly `end`.
  const int64_t half = steps / 2;
  for (int64_t i = 0; i < steps; ++i)
    values[size_t(i)] = (i < half || steps == 1) ? start + step * double(i) : end - step * double(steps - 1 - i);
  return tensor(values, {steps}, options);
}

Tensor eye(int64_t n, int64_t m, TensorOptions options) {
  if (m < 0) m = n;
  MT_CHECK(n >= 0, "eye: n must be non-negative, got ", n);
  Tensor t = zeros({n, m}, without_grad(options));
  const int64_t diag = std::min(n, m);
  if (diag > 0) {
    // The diagonal of an n x m matrix is a view with stride m + 1.
    kernels::Strided d = internal::strided(t);
    d.ndim = 1;
    d.shape[0] = diag;
    d.strides[0] = m + 1;
    internal::backend(t).fill(t.dtype(), d, 1);
  }
  return finish(t, options);
}

Tensor from_blob(const void* data, const Shape& shape, DType dtype, TensorOptions options) {
  Tensor host = empty(shape, {.dtype = dtype});
  const size_t nbytes = size_t(host.numel()) * dtype_size(dtype);
  if (nbytes > 0) std::memcpy(host.raw_data(), data, nbytes);
  Tensor t = host.to(options.device);
  if (options.dtype != dtype) t = t.to(options.dtype);
  return finish(t, options);
}

Tensor tensor(const std::vector<double>& values, const Shape& shape, TensorOptions options) {
  const Shape s = shape.empty() ? Shape{int64_t(values.size())} : shape;
  MT_CHECK(shape_numel(s) == int64_t(values.size()), "tensor: ", values.size(), " values do not fill shape ",
           shape_str(s));
  return from_blob(values.data(), s, kFloat64, options);
}

template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape) {
  MT_CHECK(shape_numel(shape) == int64_t(values.size()), "from_vector: ", values.size(), " values do not fill shape ",
           shape_str(shape));
  return from_blob(values.data(), shape, dtype_of<T>::value, {.dtype = dtype_of<T>::value});
}
template Tensor from_vector<uint8_t>(const std::vector<uint8_t>&, const Shape&);
template Tensor from_vector<int64_t>(const std::vector<int64_t>&, const Shape&);
template Tensor from_vector<float>(const std::vector<float>&, const Shape&);
template Tensor from_vector<double>(const std::vector<double>&, const Shape&);

// ---- random -----------------------------------------------------------------------------------

Generator& default_generator() {
  static Generator gen(0);
  return gen;
}
void manual_seed(uint64_t seed) { default_generator().manual_seed(seed); }

namespace {

// Random fills initialise tensors, so (as torch.nn.init does) they may fill a leaf that requires
// grad; a tensor in the middle of a graph is refused.
void random_fill(Tensor& t, Distribution dist, double a, double b, Generator* gen, const char* op) {
  MT_CHECK(!(t.requires_grad() && !t.is_leaf()), op, ": cannot refill a tensor that is part of a graph (made by ",
           t.requires_grad() && t.grad_fn() ? t.grad_fn()->name : std::string(), ")");
  NoGradGuard no_grad;
  Generator& g = gen ? *gen : default_generator();
  const uint64_t offset = g.advance(uint64_t(t.numel()));
  const DType compute = is_compute_type(t.dtype()) ? t.dtype() : kFloat32;
  Tensor target = (t.is_contiguous() && compute == t.dtype()) ? t : empty(t.shape(), {.dtype = compute, .device = t.device()});
  internal::backend(t).random(dist, compute, internal::strided(target), g.seed(), offset, a, b);
  if (!target.same(t)) t.copy_(target);
  t.storage()->bump_version();
}

}  // namespace

void uniform_(Tensor& t, double low, double high, Generator* gen) {
  MT_CHECK(low <= high, "uniform_: low ", low, " is greater than high ", high);
  random_fill(t, Distribution::Uniform, low, high, gen, "uniform_");
}
void normal_(Tensor& t, double mean, double std, Generator* gen) {
  MT_CHECK(std >= 0, "normal_: std must be non-negative, got ", std);
  random_fill(t, Distribution::Normal, mean, std, gen, "normal_");
}
void trunc_normal_(Tensor& t, double mean, double std, double a, double b, Generator* gen) {
  MT_CHECK(std > 0 && a < b, "trunc_normal_: needs std > 0 and a < b, got std ", std, ", [", a, ", ", b, "]");
  MT_CHECK(is_floating(t.dtype()), "trunc_normal_: needs a floating tensor, got ", dtype_name(t.dtype()));
  random_fill(t, Distribution::TruncNormal, (a - mean) / std, (b - mean) / std, gen, "trunc_normal_");
  NoGradGuard no_grad;
  t.mul_(std).add_(mean);
}

Tensor rand(const Shape& shape, TensorOptions options, Generator* gen) {
  MT_CHECK(is_floating(options.dtype), "rand: needs a floating dtype, got ", dtype_name(options.dtype));
  Tensor t = empty(shape, without_grad(options));
  uniform_(t, 0, 1, gen);
  return finish(t, options);
}

Tensor randn(const Shape& shape, TensorOptions options, Generator* gen) {
  MT_CHECK(is_floating(options.dtype), "randn: needs a floating dtype, got ", dtype_name(options.dtype));
  Tensor t = empty(shape, without_grad(options));
  normal_(t, 0, 1, gen);
  return finish(t, options);
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions options, Generator* gen) {
  MT_CHECK(low < high, "randint: low ", low, " must be less than high ", high);
  Tensor t = empty(shape, without_grad(options));
  random_fill(t, Distribution::RandInt, double(low), double(high), gen, "randint");
  return finish(t, options);
}

Tensor randperm(int64_t n, Generator* gen) {
  MT_CHECK(n >= 0, "randperm: n must be non-negative, got ", n);
  // Fisher-Yates driven by one uniform draw per position.
  Tensor u = rand({n}, {.dtype = kFloat64}, gen);
  const auto draws = u.to_vector<double>();
  std::vector<int64_t> perm(static_cast<size_t>(n));
  std::iota(perm.begin(), perm.end(), 0);
  for (int64_t i = n - 1; i > 0; --i) {
    const int64_t j = std::min<int64_t>(i, int64_t(draws[size_t(i)] * double(i + 1)));
    std::swap(perm[size_t(i)], perm[size_t(j)]);
  }
  return from_vector(perm, {n});
}

Tensor& Tensor::uniform_(double low, double high) { minitorch::uniform_(*this, low, high, nullptr); return *this; }
Tensor& Tensor::normal_(double mean, double std) { minitorch::normal_(*this, mean, std, nullptr); return *this; }
Tensor& Tensor::trunc_normal_(double mean, double std, double a, double b) {
  minitorch::trunc_normal_(*this, mean, std, a, b, nullptr);
  return *this;
}

}  // namespace minitorch
