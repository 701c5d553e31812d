// Softmax and log-softmax along any dim: the dim is moved last so each row is contiguous for the
// kernel, which subtracts the row maximum before exponentiating.
#include "minitorch/ops/activation.hpp"

#include "../internal.hpp"
#include "minitorch/ops/creation.hpp"
#include "minitorch/ops/elementwise.hpp"
#include "minitorch/ops/reduce.hpp"

namespace minitorch {

namespace {

Tensor softmax_forward(const char* op, const Tensor& x, int64_t d, bool log) {
  MT_CHECK(x.dtype() == kFloat32 || x.dtype() == kFloat64, op, ": needs float32 or float64, got ",
           dtype_name(x.dtype()));
  if (x.dim() == 0) return full({}, log ? 0.0 : 1.0, {.dtype = x.dtype(), .device = x.device()});
  const bool last = d == x.dim() - 1;
  const Tensor rows = (last ? x.detach() : x.detach().transpose(d, -1)).contiguous();
  Tensor out = empty(rows.shape(), {.dtype = x.dtype(), .device = x.device()});
  const int64_t cols = rows.size(-1);
  if (rows.numel() > 0)
    internal::backend(x).softmax_rows(x.dtype(), rows.raw_data(), rows.numel() / cols, cols, out.raw_data(), log);
  return last ? out : out.transpose(d, -1).contiguous();
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim) {
  const int64_t d = wrap_dim(dim, x.dim(), "softmax");
  Tensor out = softmax_forward("softmax", x, d, false);
  // dx = y * (dy - sum(dy * y))   (the Jacobian diag(y) - y y^T applied to dy)
  SavedTensor sy(out.detach());
  return record("SoftmaxBackward0", {x}, out, [sy, d](const Tensor& g) {
    const Tensor y = sy.get();
    return Tensors{y * (g - sum(g * y, {d}, true))};
  });
}

Tensor log_softmax(const Tensor& x, int64_t dim) {
  const int64_t d = wrap_dim(dim, x.dim(), "log_softmax");
  Tensor out = softmax_forward("log_softmax", x, d, true);
  // dx = dy - softmax(x) * sum(dy),  softmax(x) = exp(y)
  SavedTensor sy(out.detach());
  return record("LogSoftmaxBackward0", {x}, out, [sy, d](const Tensor& g) {
    return Tensors{g - exp(sy.get()) * sum(g, {d}, true)};
  });
}

Tensor Tensor::softmax(int64_t dim) const { return minitorch::softmax(*this, dim); }
Tensor Tensor::log_softmax(int64_t dim) const { return minitorch::log_softmax(*this, dim); }

}  // namespace minitorch
