// Reductions. The input is permuted so the reduced dims come last and made contiguous; the
// kernel then reduces each row of a [kept, reduced] matrix. Backward expands the gradient back
// over the reduced dims.
#include "minitorch/ops/reduce.hpp"

#include <cmath>

#include "../internal.hpp"
#include "minitorch/ops/creation.hpp"
#include "minitorch/ops/elementwise.hpp"
#include "minitorch/ops/indexing.hpp"

namespace minitorch {

using kernels::ReduceOp;

namespace {

struct Reduced {
  Tensor values;
  Tensor indices;  // Max/Min only
};

Reduced reduce_impl(const char* op, ReduceOp kop, const Tensor& x, const Shape& dims, bool keepdim,
                    double correction = 0, bool want_indices = false) {
  const Shape rdims = internal::reduction_dims(dims, x.dim(), op);
  Shape order, kept_shape;
  int64_t cols = 1;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (std::find(rdims.begin(), rdims.end(), d) == rdims.end()) {
      order.push_back(d);
      kept_shape.push_back(x.size(d));
    }
  for (int64_t d : rdims) {
    order.push_back(d);
    cols *= x.size(d);
  }
  // Rows of no elements have no max, min or variance; no rows at all (amax over dim 1 of a [0, 3]
  // tensor) give an empty result, as in PyTorch.
  MT_CHECK(cols > 0 || kop == ReduceOp::Sum || kop == ReduceOp::Mean, op, ": cannot reduce over a dim of size 0 ",
           "(the tensor has shape ", shape_str(x.shape()), "; there is no identity for this reduction)");
  const Shape out_shape = internal::reduced_shape(x.shape(), rdims, keepdim);
  // Sums over leading dims of a contiguous tensor (bias gradients): columns summed in place.
  bool leading = !rdims.empty() && int64_t(rdims.size()) < x.dim() && x.is_contiguous() && x.numel() > 0 &&
                 (kop == ReduceOp::Sum || kop == ReduceOp::Mean) && !want_indices;
  for (size_t i = 0; i < rdims.size() && leading; ++i) leading = rdims[i] == int64_t(i);
  if (leading) {
    const int64_t kept = shape_numel(kept_shape);
    Reduced r;
    r.values = empty(kept_shape, {.dtype = x.dtype(), .device = x.device()});
    internal::backend(x).sum_columns(x.dtype(), x.raw_data(), cols, kept, r.values.raw_data());
    if (kop == ReduceOp::Mean) {
      NoGradGuard no_grad;
      r.values.mul_(1.0 / double(cols));
    }
    r.values = r.values.view(out_shape);
    return r;
  }
  const Tensor rows_view = x.detach().permute(order).contiguous();
  const int64_t rows = shape_numel(kept_shape);
  Reduced r;
  r.values = empty(kept_shape, {.dtype = x.dtype(), .device = x.device()});
  if (want_indices) r.indices = empty(kept_shape, {.dtype = kInt64, .device = x.device()});
  if (cols == 0) {
    r.values.fill_(kop == ReduceOp::Sum ? 0.0 : NAN);
  } else if (rows > 0) {
    internal::backend(x).reduce_rows(kop, x.dtype(), rows_view.raw_data(), rows, cols, r.values.raw_data(),
                                     want_indices ? static_cast<int64_t*>(r.indices.raw_data()) : nullptr, correction);
  }
  r.values = r.values.view(out_shape);
  if (want_indices) r.indices = r.indices.view(out_shape);
  return r;
}

// A gradient of the reduced shape, broadcast back to the input's shape.
Tensor expand_back(const Tensor& g, const Shape& input_shape, const Shape& rdims, bool keepdim) {
  Tensor e = g;
  if (!keepdim)
    for (int64_t d : rdims) e = e.unsqueeze(d);  // rdims is sorted, so each lands at its own place
  return e.expand(input_shape);
}

Tensor as_summable(const Tensor& x) {  // sums of bools and bytes count in int64, as PyTorch
  return (x.dtype() == kBool || x.dtype() == kUInt8) ? x.to(kInt64) : x;
}

int64_t count_over(const Shape& shape, const Shape& rdims) {
  int64_t n = 1;
  for (int64_t d : rdims) n *= shape[size_t(d)];
  return n;
}

Tensor extreme_all(const char* op, const char* node, ReduceOp kop, const Tensor& x, const Shape& dims, bool keepdim) {
  MT_CHECK(x.dtype() != kBool, op, ": not defined for bool tensors");
  const Shape rdims = internal::reduction_dims(dims, x.dim(), op);
  Tensor out = reduce_impl(op, kop, x, dims, keepdim).values;
  // Gradient: split equally between the elements equal to the extreme (torch.amax's rule).
  SavedTensor sx(x), sy(out.detach());
  const Shape in_shape = x.shape();
  return record(node, {x}, out, [=](const Tensor& g) {
    const Tensor v = sx.get();
    Tensor mask = (v == expand_back(sy.get(), in_shape, rdims, keepdim)).to(g.dtype());
    Tensor count = expand_back(sum(mask, rdims, keepdim), in_shape, rdims, keepdim);
    return Tensors{expand_back(g, in_shape, rdims, keepdim) * mask / count};
  });
}

ValuesIndices extreme_dim(const char* op, const char* node, ReduceOp kop, const Tensor& x, int64_t dim, bool keepdim) {
  MT_CHECK(x.dtype() != kBool, op, ": not defined for bool tensors");
  const int64_t d = wrap_dim(dim, x.dim(), op);
  Reduced r = reduce_impl(op, kop, x, x.dim() == 0 ? Shape{} : Shape{d}, keepdim, 0, true);
  // Gradient: to the index taken. The indices are returned too, so they are saved with their
  // version: changed in place before backward, they are an error, not a gradient sent elsewhere.
  const SavedTensor saved_idx(r.indices);
  const Shape in_shape = x.shape();
  Tensor values = record(node, {x}, r.values, [=](const Tensor& g) {
    if (in_shape.empty()) return Tensors{g};
    const Tensor idx = saved_idx.get();
    Tensor gi = keepdim ? g : g.unsqueeze(d);
    Tensor ii = keepdim ? idx : idx.unsqueeze(d);
    return Tensors{scatter_add(zeros(in_shape, {.dtype = g.dtype(), .device = g.device()}), d, ii, gi)};
  });
  return {values, r.indices};
}

}  // namespace

Tensor sum(const Tensor& x, const Shape& dims, bool keepdim) {
  const Tensor input = as_summable(x);
  const Shape rdims = internal::reduction_dims(dims, x.dim(), "sum");
  Tensor out = reduce_impl("sum", ReduceOp::Sum, input, dims, keepdim).values;
  const Shape in_shape = x.shape();
  return record("SumBackward1", {input}, out, [=](const Tensor& g) { return Tensors{expand_back(g, in_shape, rdims, keepdim)}; });
}
Tensor sum(const Tensor& x) { return sum(x, {}, false); }

Tensor mean(const Tensor& x, const Shape& dims, bool keepdim) {
  MT_CHECK(is_floating(x.dtype()), "mean: needs a floating tensor, got ", dtype_name(x.dtype()),
           " (convert with to(kFloat32))");
  const Shape rdims = internal::reduction_dims(dims, x.dim(), "mean");
  Tensor out = reduce_impl("mean", ReduceOp::Mean, x, dims, keepdim).values;
  const Shape in_shape = x.shape();
  const double n = double(count_over(in_shape, rdims));
  return record("MeanBackward1", {x}, out, [=](const Tensor& g) {
    return Tensors{expand_back(g, in_shape, rdims, keepdim) / n};
  });
}
Tensor mean(const Tensor& x) { return mean(x, {}, false); }

Tensor var(const Tensor& x, const Shape& dims, bool keepdim, double correction) {
  MT_CHECK(is_floating(x.dtype()), "var: needs a floating tensor, got ", dtype_name(x.dtype()));
  const Shape rdims = internal::reduction_dims(dims, x.dim(), "var");
  Tensor out = reduce_impl("var", ReduceOp::Var, x, dims, keepdim, correction).values;
  // d var / dx_i = 2 (x_i - mean) / (N - correction)
  const Shape in_shape = x.shape();
  const double n = double(count_over(in_shape, rdims));
  SavedTensor sx(x);
  return record("VarBackward0", {x}, out, [=](const Tensor& g) {
    const Tensor v = sx.get();
    Tensor centered = v - mean(v, rdims, true);
    return Tensors{expand_back(g, in_shape, rdims, keepdim) * centered * (2.0 / (n - correction))};
  });
}

Tensor std(const Tensor& x, const Shape& dims, bool keepdim, double correction) {
  const Tensor v = var(x, dims, keepdim, correction);
  Tensor out = sqrt(v.detach());
  // d sqrt(v)/dv = 1 / (2 std); where the std is 0 (a constant slice) PyTorch takes 0 rather than
  // inf, which the variance's zero gradient would turn into 0 * inf = NaN.
  SavedTensor so(out.detach());
  return record("StdBackward0", {v}, out, [so](const Tensor& g) {
    const Tensor s = so.get();
    return Tensors{where(s == 0.0, zeros_like(g), g / (s * 2.0))};
  });
}

Tensor amax(const Tensor& x, const Shape& dims, bool keepdim) {
  return extreme_all("amax", "AmaxBackward0", ReduceOp::Max, x, dims, keepdim);
}
Tensor amin(const Tensor& x, const Shape& dims, bool keepdim) {
  return extreme_all("amin", "AminBackward0", ReduceOp::Min, x, dims, keepdim);
}
Tensor max(const Tensor& x) { return extreme_all("max", "MaxBackward1", ReduceOp::Max, x, {}, false); }
Tensor min(const Tensor& x) { return extreme_all("min", "MinBackward1", ReduceOp::Min, x, {}, false); }

ValuesIndices max(const Tensor& x, int64_t dim, bool keepdim) {
  return extreme_dim("max", "MaxBackward0", ReduceOp::Max, x, dim, keepdim);
}
ValuesIndices min(const Tensor& x, int64_t dim, bool keepdim) {
  return extreme_dim("min", "MinBackward0", ReduceOp::Min, x, dim, keepdim);
}
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) {
  NoGradGuard no_grad;
  return max(x, dim, keepdim).indices;
}
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim) {
  NoGradGuard no_grad;
  return min(x, dim, keepdim).indices;
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  MT_CHECK(int64_t(shape.size()) <= x.dim(), "sum_to: cannot sum shape ", shape_str(x.shape()), " to ",
           shape_str(shape));
  const int64_t lead = x.dim() - int64_t(shape.size());
  Shape dims;
  for (int64_t d = 0; d < x.dim(); ++d) {
    if (d < lead) {
      dims.push_back(d);
      continue;
    }
    const int64_t want = shape[size_t(d - lead)];
    MT_CHECK(want == x.size(d) || want == 1, "sum_to: cannot sum shape ", shape_str(x.shape()), " to ",
             shape_str(shape));
    if (want == 1 && x.size(d) != 1) dims.push_back(d);
  }
  if (dims.empty()) return x.reshape(shape);
  return sum(x, dims, true).reshape(shape);
}

Tensor Tensor::sum() const { return minitorch::sum(*this); }
Tensor Tensor::sum(const Shape& dims, bool keepdim) const { return minitorch::sum(*this, dims, keepdim); }
Tensor Tensor::mean() const { return minitorch::mean(*this); }
Tensor Tensor::mean(const Shape& dims, bool keepdim) const { return minitorch::mean(*this, dims, keepdim); }
Tensor Tensor::var(const Shape& dims, bool keepdim, double c) const { return minitorch::var(*this, dims, keepdim, c); }
Tensor Tensor::std(const Shape& dims, bool keepdim, double c) const { return minitorch::std(*this, dims, keepdim, c); }
Tensor Tensor::max() const { return minitorch::max(*this); }
Tensor Tensor::min() const { return minitorch::min(*this); }
Tensor Tensor::argmax(int64_t dim, bool keepdim) const { return minitorch::argmax(*this, dim, keepdim); }
Tensor Tensor::argmin(int64_t dim, bool keepdim) const { return minitorch::argmin(*this, dim, keepdim); }

}  // namespace minitorch
