// Views (new shape/strides over the same storage) and copies, each with its backward.
#include <numeric>

#include "../internal.hpp"
#include "minitorch/ops/creation.hpp"
#include "minitorch/ops/reduce.hpp"

namespace minitorch {

using internal::backend;
using internal::strided;

namespace {

// A view of `base`'s storage with the given geometry, recorded for autograd.
Tensor make_view(const Tensor& base, Shape shape, Shape strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = base.storage();
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = base.dtype();
  return Tensor(std::move(impl));
}

// Resolves a single -1 in `shape` against numel.
Shape infer_shape(const Shape& shape, int64_t numel, const char* op) {
  Shape out = shape;
  int64_t known = 1, infer_at = -1;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      MT_CHECK(infer_at < 0, op, ": only one dim can be -1 in ", shape_str(shape));
      infer_at = int64_t(i);
    } else {
      MT_CHECK(out[i] >= 0, op, ": invalid size ", out[i], " in ", shape_str(shape));
      known *= out[i];
    }
  }
  if (infer_at >= 0) {
    MT_CHECK(known != 0 && numel % known == 0, op, ": shape ", shape_str(shape), " is invalid for ", numel,
             " elements");
    out[size_t(infer_at)] = numel / known;
  }
  MT_CHECK(shape_numel(out) == numel, op, ": shape ", shape_str(shape), " is invalid for an input of ", numel,
           " elements");
  return out;
}

// Gradient of a view that picks part of the input: zeros of the input's shape, with the
// gradient written into the same part (`pick` applies the view to a tensor).
template <class Pick>
Tensor scatter_into_zeros(const Tensor& g, const Shape& input_shape, Pick pick) {
  Tensor out = zeros(input_shape, {.dtype = g.dtype(), .device = g.device()});
  Tensor part = pick(out);
  part.copy_(g);
  return out;
}

}  // namespace

Tensor Tensor::view(const Shape& new_shape) const {
  const Shape shape_out = infer_shape(new_shape, numel(), "view");
  MT_CHECK(is_contiguous(), "view: tensor of shape ", shape_str(shape()), " with strides ", shape_str(strides()),
           " is not contiguous; use reshape() (which copies)");
  Tensor out = make_view(*this, shape_out, contiguous_strides(shape_out), storage_offset());
  const Shape in_shape = shape();
  return record("ViewBackward0", {*this}, out, [in_shape](const Tensor& g) { return Tensors{g.reshape(in_shape)}; });
}

Tensor Tensor::reshape(const Shape& new_shape) const {
  if (is_contiguous()) return view(new_shape);
  return contiguous().view(new_shape);
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  if (dim() == 0) return reshape({1});
  const int64_t s = wrap_dim(start_dim, dim(), "flatten"), e = wrap_dim(end_dim, dim(), "flatten");
  MT_CHECK(s <= e, "flatten: start_dim ", start_dim, " comes after end_dim ", end_dim);
  Shape out;
  for (int64_t d = 0; d < s; ++d) out.push_back(size(d));
  int64_t merged = 1;
  for (int64_t d = s; d <= e; ++d) merged *= size(d);
  out.push_back(merged);
  for (int64_t d = e + 1; d < dim(); ++d) out.push_back(size(d));
  return reshape(out);
}

Tensor Tensor::permute(const Shape& dims) const {
  MT_CHECK(int64_t(dims.size()) == dim(), "permute: got ", dims.size(), " dims ", shape_str(dims), " for a tensor with ",
           dim(), " dims");
  Shape order(dims.size()), new_shape(dims.size()), new_strides(dims.size()), inverse(dims.size());
  std::vector<bool> seen(dims.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    const int64_t d = wrap_dim(dims[i], dim(), "permute");
    MT_CHECK(!seen[size_t(d)], "permute: dim ", d, " repeats in ", shape_str(dims));
    seen[size_t(d)] = true;
    new_shape[i] = shape()[size_t(d)];
    new_strides[i] = strides()[size_t(d)];
    inverse[size_t(d)] = int64_t(i);
  }
  Tensor out = make_view(*this, new_shape, new_strides, storage_offset());
  return record("PermuteBackward0", {*this}, out, [inverse](const Tensor& g) { return Tensors{g.permute(inverse)}; });
}

Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const {
  if (dim() == 0) return *this;
  Shape order(static_cast<size_t>(dim()));
  std::iota(order.begin(), order.end(), 0);
  std::swap(order[size_t(wrap_dim(dim0, dim(), "transpose"))], order[size_t(wrap_dim(dim1, dim(), "transpose"))]);
  return permute(order);
}

Tensor Tensor::t() const {
  MT_CHECK(dim() <= 2, "t: expects a tensor with at most 2 dims, got shape ", shape_str(shape()));
  return dim() < 2 ? *this : transpose(0, 1);
}

Tensor Tensor::slice(int64_t d, int64_t start, int64_t end, int64_t step) const {
  MT_CHECK(dim() > 0, "slice: cannot slice a 0-dim tensor");
  d = wrap_dim(d, dim(), "slice");
  MT_CHECK(step > 0, "slice: step must be positive, got ", step);
  const int64_t n = size(d);
  if (start < 0) start += n;
  if (end < 0) end += n;
  start = std::clamp<int64_t>(start, 0, n);
  end = std::clamp<int64_t>(end, start, n);
  Shape new_shape = shape(), new_strides = strides();
  new_shape[size_t(d)] = (end - start + step - 1) / step;
  new_strides[size_t(d)] *= step;
  Tensor out = make_view(*this, new_shape, new_strides, storage_offset() + start * strides()[size_t(d)]);
  const Shape in_shape = shape();
  return record("SliceBackward0", {*this}, out, [=](const Tensor& g) {
    return Tensors{scatter_into_zeros(g, in_shape, [&](const Tensor& z) { return z.slice(d, start, end, step); })};
  });
}

Tensor Tensor::narrow(int64_t d, int64_t start, int64_t length) const {
  d = wrap_dim(d, dim(), "narrow");
  const int64_t n = size(d);
  if (start < 0) start += n;
  MT_CHECK(start >= 0 && length >= 0 && start + length <= n, "narrow: range [", start, ", ", start + length,
           ") is out of bounds for dim ", d, " of size ", n);
  return slice(d, start, start + length);
}

Tensor Tensor::select(int64_t d, int64_t index) const {
  MT_CHECK(dim() > 0, "select: cannot index a 0-dim tensor");
  d = wrap_dim(d, dim(), "select");
  const int64_t n = size(d);
  MT_CHECK(index >= -n && index < n, "select: index ", index, " is out of range for dim ", d, " of size ", n);
  if (index < 0) index += n;
  Shape new_shape = shape(), new_strides = strides();
  new_shape.erase(new_shape.begin() + d);
  new_strides.erase(new_strides.begin() + d);
  Tensor out = make_view(*this, new_shape, new_strides, storage_offset() + index * strides()[size_t(d)]);
  const Shape in_shape = shape();
  return record("SelectBackward0", {*this}, out, [=](const Tensor& g) {
    return Tensors{scatter_into_zeros(g, in_shape, [&](const Tensor& z) { return z.select(d, index); })};
  });
}

Tensor Tensor::expand(const Shape& target) const {
  MT_CHECK(target.size() >= shape().size(), "expand: cannot expand shape ", shape_str(shape()), " to ",
           shape_str(target), " (fewer dims)");
  const size_t lead = target.size() - shape().size();
  Shape new_shape(target.size()), new_strides(target.size());
  for (size_t i = 0; i < target.size(); ++i) {
    if (i < lead) {
      MT_CHECK(target[i] >= 0, "expand: size -1 is not allowed for the new leading dim ", i, " in ",
               shape_str(target));
      new_shape[i] = target[i];
      new_strides[i] = 0;
      continue;
    }
    const int64_t have = shape()[i - lead];
    const int64_t want = target[i] == -1 ? have : target[i];
    MT_CHECK(have == want || have == 1, "expand: cannot expand shape ", shape_str(shape()), " to ",
             shape_str(target), " (dim ", i, ": size ", have, " is neither 1 nor ", want, ")");
    new_shape[i] = want;
    new_strides[i] = have == want ? strides()[i - lead] : 0;
  }
  if (new_shape == shape()) return *this;
  Tensor out = make_view(*this, new_shape, new_strides, storage_offset());
  const Shape in_shape = shape();
  return record("ExpandBackward0", {*this}, out, [in_shape](const Tensor& g) { return Tensors{sum_to(g, in_shape)}; });
}

// squeeze/unsqueeze only add or drop size-1 dims: always a view, whatever the strides.
Tensor Tensor::squeeze() const {
  Shape new_shape, new_strides;
  for (size_t i = 0; i < shape().size(); ++i)
    if (shape()[i] != 1) {
      new_shape.push_back(shape()[i]);
      new_strides.push_back(strides()[i]);
    }
  if (new_shape.size() == shape().size()) return *this;
  Tensor out = make_view(*this, new_shape, new_strides, storage_offset());
  const Shape in_shape = shape();
  return record("SqueezeBackward0", {*this}, out, [in_shape](const Tensor& g) { return Tensors{g.reshape(in_shape)}; });
}

Tensor Tensor::squeeze(int64_t d) const {
  if (dim() == 0) return *this;
  d = wrap_dim(d, dim(), "squeeze");
  if (size(d) != 1) return *this;
  Shape new_shape = shape(), new_strides = strides();
  new_shape.erase(new_shape.begin() + d);
  new_strides.erase(new_strides.begin() + d);
  Tensor out = make_view(*this, new_shape, new_strides, storage_offset());
  return record("SqueezeBackward1", {*this}, out, [d](const Tensor& g) { return Tensors{g.unsqueeze(d)}; });
}

Tensor Tensor::unsqueeze(int64_t d) const {
  d = wrap_dim(d, dim() + 1, "unsqueeze");
  Shape new_shape = shape(), new_strides = strides();
  const int64_t stride_here = d < dim() ? strides()[size_t(d)] * shape()[size_t(d)] : 1;
  new_shape.insert(new_shape.begin() + d, 1);
  new_strides.insert(new_strides.begin() + d, stride_here);
  Tensor out = make_view(*this, new_shape, new_strides, storage_offset());
  return record("UnsqueezeBackward0", {*this}, out, [d](const Tensor& g) { return Tensors{g.squeeze(d)}; });
}

// ---- copies -----------------------------------------------------------------------------------

Tensor Tensor::contiguous() const { return is_contiguous() ? *this : clone(); }

Tensor Tensor::clone() const {
  Tensor out = empty(shape(), {.dtype = dtype(), .device = device()});
  backend(*this).copy(dtype(), strided(out), dtype(), strided(*this));
  return record("CloneBackward0", {*this}, out, [](const Tensor& g) { return Tensors{g}; });
}

Tensor Tensor::to(DType target) const {
  if (target == dtype()) return *this;
  Tensor out = empty(shape(), {.dtype = target, .device = device()});
  backend(*this).copy(target, strided(out), dtype(), strided(*this));
  if (!is_floating(target)) return out;  // integer results carry no gradient
  const DType source = dtype();
  return record("ToCopyBackward0", {*this}, out, [source](const Tensor& g) { return Tensors{g.to(source)}; });
}

Tensor Tensor::to(Device target, bool non_blocking) const {
  if (target == device()) return *this;
  const Tensor src = contiguous();  // on the source device: the copy below moves one block of bytes
  Tensor out = empty(shape(), {.dtype = dtype(), .device = target});
  const size_t nbytes = size_t(numel()) * element_size();
  if (target.is_cpu()) {
    backend(src).copy_to_host(out.raw_data(), src.raw_data(), nbytes);
  } else if (non_blocking && src.is_pinned()) {
    // The pinned block is not reused before this copy has read it (see the CUDA backend).
    kernels::backend_for(target).copy_from_host_async(out.raw_data(), src.raw_data(), nbytes);
  } else {
    kernels::backend_for(target).copy_from_host(out.raw_data(), src.raw_data(), nbytes);
  }
  const Device source = device();
  return record("ToCopyBackward0", {*this}, out, [source](const Tensor& g) { return Tensors{g.to(source)}; });
}

bool Tensor::is_pinned() const { return checked().storage->pinned(); }

Tensor Tensor::pin_memory() const {
  MT_CHECK(device().is_cpu(), "pin_memory: the tensor is on ", device().str(), "; only CPU tensors can be pinned");
  if (is_pinned()) return *this;
  Tensor out = empty(shape(), {.dtype = dtype(), .pin_memory = true});
  out.copy_(detach());
  return record("PinMemoryBackward0", {*this}, out, [](const Tensor& g) { return Tensors{g}; });
}

Tensor& Tensor::copy_(const Tensor& src) {
  check_inplace(*this, "copy_");
  internal::check_writable_in_place("copy_", *this);
  Tensor source = internal::inplace_source("copy_", *this, src);
  backend(*this).copy(dtype(), strided(*this, "copy_"), source.dtype(), internal::strided_as(source, shape(), "copy_"));
  storage()->bump_version();
  return *this;
}

Tensor& Tensor::fill_(double value) {
  check_inplace(*this, "fill_");
  backend(*this).fill(dtype(), strided(*this, "fill_"), value);
  storage()->bump_version();
  return *this;
}

}  // namespace minitorch
