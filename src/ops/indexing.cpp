// Joining (cat, stack) and indexing (index_select, gather, scatter_add, index_add). The
// gradient of an index read is an index add of the gradient, and the other way round.
#include "minitorch/ops/indexing.hpp"

#include <algorithm>

#include "../internal.hpp"
#include "minitorch/ops/creation.hpp"
#include "minitorch/ops/elementwise.hpp"
#include "minitorch/ops/reduce.hpp"

namespace minitorch {

using internal::strided;

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  MT_CHECK(!tensors.empty(), "cat: expects a non-empty list of tensors");
  // PyTorch's legacy rule: a 1-D empty tensor ([0], what an empty list of results is often
  // initialised to) may stand among tensors of any shape, and adds nothing.
  // (When every tensor is [0], they are joined as they are: the result is [0].)
  const auto legacy = [](const Tensor& x) { return x.shape() == Shape{0}; };
  const bool any_shaped = !std::all_of(tensors.begin(), tensors.end(), legacy);
  const auto skipped = [&](const Tensor& x) { return any_shaped && legacy(x); };
  const size_t f = size_t(std::find_if_not(tensors.begin(), tensors.end(), skipped) - tensors.begin());
  const Tensor& first = tensors[f];
  MT_CHECK(first.dim() > 0, "cat: zero-dimensional tensors cannot be concatenated (use stack)");
  const int64_t d = wrap_dim(dim, first.dim(), "cat");
  internal::common_device("cat", tensors);
  DType t = first.dtype();
  int64_t total = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& x = tensors[i];
    t = promote_types(t, x.dtype());
    if (skipped(x)) continue;
    MT_CHECK(x.dim() == first.dim(), "cat: tensor ", i, " has shape ", shape_str(x.shape()), ", tensor ", f, " has ",
             shape_str(first.shape()), " (expected the same number of dims)");
    for (int64_t k = 0; k < x.dim(); ++k)
      MT_CHECK(k == d || x.size(k) == first.size(k), "cat: tensor ", i, " has shape ", shape_str(x.shape()),
               ", tensor ", f, " has ", shape_str(first.shape()), " (sizes must match except in dim ", d, ")");
    total += x.size(d);
  }
  Shape out_shape = first.shape();
  out_shape[size_t(d)] = total;
  Tensor out = empty(out_shape, {.dtype = t, .device = first.device()});
  std::vector<int64_t> starts, sizes;  // in the output along d; -1: a legacy empty tensor, skipped
  int64_t at = 0;
  for (const Tensor& x : tensors) {
    const bool skip = skipped(x);
    starts.push_back(skip ? -1 : at);
    sizes.push_back(skip ? 0 : x.size(d));
    if (skip) continue;
    if (x.size(d) > 0) out.detach().narrow(d, at, x.size(d)).copy_(x.detach());
    at += x.size(d);
  }
  out.storage()->bump_version();
  return record("CatBackward0", tensors, out, [d, starts, sizes](const Tensor& g) {
    Tensors grads;
    for (size_t i = 0; i < starts.size(); ++i)
      grads.push_back(starts[i] < 0 ? zeros({0}, {.dtype = g.dtype(), .device = g.device()})
                                    : g.narrow(d, starts[i], sizes[i]));
    return grads;
  });
}

Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  MT_CHECK(!tensors.empty(), "stack: expects a non-empty list of tensors");
  const int64_t d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> expanded;
  for (size_t i = 0; i < tensors.size(); ++i) {
    MT_CHECK(tensors[i].shape() == tensors[0].shape(), "stack: tensor ", i, " has shape ",
             shape_str(tensors[i].shape()), ", tensor 0 has ", shape_str(tensors[0].shape()), " (expected equal shapes)");
    expanded.push_back(tensors[i].unsqueeze(d));
  }
  return cat(expanded, d);
}

namespace {

// x as [outer, dim_size, inner] around dim d.
struct Around {
  int64_t outer = 1, size = 1, inner = 1;
};
Around around(const Shape& shape, int64_t d) {
  Around a;
  for (int64_t k = 0; k < int64_t(shape.size()); ++k) {
    if (k < d) a.outer *= shape[size_t(k)];
    else if (k == d) a.size = shape[size_t(k)];
    else a.inner *= shape[size_t(k)];
  }
  return a;
}

void check_index_tensor(const char* op, const Tensor& index) {
  MT_CHECK(index.dtype() == kInt64, op, ": index must be int64, got ", dtype_name(index.dtype()));
}

// The adding ops take every numeric dtype on every device; bool has no sum that stays a bool.
void check_addable(const char* op, DType t) {
  MT_CHECK(t != kBool, op, ": cannot add bool tensors (convert with to(uint8) or to(int64) first)");
}

// Every index must lie in [0, size): checked here, before any kernel runs, for every device (a
// min and a max of the index; on a GPU a bad index would be an illegal memory access, not an
// Error).
void check_index_range(const char* op, const Tensor& index, int64_t size) {
  if (index.numel() == 0) return;
  const auto bounds = stack({amin(index), amax(index)}).to_vector<int64_t>();  // one read back from a GPU
  const int64_t lo = bounds[0], hi = bounds[1];
  MT_CHECK(lo >= 0 && hi < size, op, ": index ", lo < 0 ? lo : hi, " is out of range for a dimension of size ", size,
           " (expected 0 <= index < ", size, ")");
}

}  // namespace

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  check_index_tensor("index_select", index);
  MT_CHECK(index.dim() <= 1, "index_select: index must be 1-D, got shape ", shape_str(index.shape()));
  internal::common_device("index_select", {x, index});
  const int64_t d = wrap_dim(dim, x.dim(), "index_select");
  const Tensor src = x.detach().contiguous(), idx = index.reshape({-1}).contiguous();
  Shape out_shape = x.shape();
  if (x.dim() > 0) out_shape[size_t(d)] = idx.numel();
  const Around a = around(x.shape(), d);
  check_index_range("index_select", idx, a.size);
  Tensor out = empty(out_shape, {.dtype = x.dtype(), .device = x.device()});
  internal::backend(x).index_select(x.dtype(), src.raw_data(), a.outer, a.size, a.inner, static_cast<const int64_t*>(idx.raw_data()),
                                    idx.numel(), out.raw_data());
  const Shape in_shape = x.shape();
  // The index is saved with its version: changing it in place before backward is an error.
  const SavedTensor saved_idx(idx);
  return record("IndexSelectBackward0", {x}, out, [=](const Tensor& g) {
    return Tensors{index_add(zeros(in_shape, {.dtype = g.dtype(), .device = g.device()}), d, saved_idx.get(), g)};
  });
}

Tensor index_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& source) {
  check_index_tensor("index_add", index);
  internal::common_device("index_add", {x, index, source});
  const int64_t d = wrap_dim(dim, x.dim(), "index_add");
  const Tensor idx = index.reshape({-1}).contiguous();
  Shape expected = x.shape();
  if (x.dim() > 0) expected[size_t(d)] = idx.numel();
  MT_CHECK(source.shape() == expected, "index_add: source has shape ", shape_str(source.shape()), ", expected ",
           shape_str(expected));
  MT_CHECK(source.dtype() == x.dtype(), "index_add: source dtype ", dtype_name(source.dtype()), " differs from ",
           dtype_name(x.dtype()));
  check_addable("index_add", x.dtype());
  Tensor out = x.detach().clone();
  const Tensor src = source.detach().contiguous();
  const Around a = around(x.shape(), d);
  check_index_range("index_add", idx, a.size);
  internal::backend(x).index_add(x.dtype(), out.raw_data(), a.outer, a.size, a.inner, static_cast<const int64_t*>(idx.raw_data()),
                                 idx.numel(), src.raw_data());
  const SavedTensor saved_idx(idx);
  return record("IndexAddBackward0", {x, source}, out, [d, saved_idx](const Tensor& g) {
    return Tensors{g, index_select(g, d, saved_idx.get())};
  });
}

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  check_index_tensor("gather", index);
  internal::common_device("gather", {x, index});
  const int64_t d = wrap_dim(dim, x.dim(), "gather");
  MT_CHECK(index.dim() == x.dim(), "gather: index has ", index.dim(), " dims, input has ", x.dim());
  for (int64_t k = 0; k < x.dim(); ++k)
    MT_CHECK(k == d || index.size(k) <= x.size(k), "gather: index shape ", shape_str(index.shape()),
             " is larger than input shape ", shape_str(x.shape()), " in dim ", k);
  Tensor out = empty(index.shape(), {.dtype = x.dtype(), .device = x.device()});
  check_index_range("gather", index, x.size(d));
  internal::backend(x).gather(x.dtype(), strided(x, "gather"), int(d), strided(index, "gather"), strided(out));
  const Shape in_shape = x.shape();
  const SavedTensor saved_index(index);
  return record("GatherBackward0", {x}, out, [=](const Tensor& g) {
    return Tensors{scatter_add(zeros(in_shape, {.dtype = g.dtype(), .device = g.device()}), d, saved_index.get(), g)};
  });
}

Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  check_index_tensor("scatter_add", index);
  internal::common_device("scatter_add", {x, index, src});
  const int64_t d = wrap_dim(dim, x.dim(), "scatter_add");
  MT_CHECK(index.dim() == x.dim() && src.dim() == x.dim(), "scatter_add: input, index and src need the same number",
           " of dims, got ", shape_str(x.shape()), ", ", shape_str(index.shape()), ", ", shape_str(src.shape()));
  for (int64_t k = 0; k < x.dim(); ++k) {
    MT_CHECK(index.size(k) <= src.size(k), "scatter_add: index shape ", shape_str(index.shape()),
             " is larger than src shape ", shape_str(src.shape()));
    MT_CHECK(k == d || index.size(k) <= x.size(k), "scatter_add: index shape ", shape_str(index.shape()),
             " is larger than input shape ", shape_str(x.shape()), " in dim ", k);
  }
  MT_CHECK(src.dtype() == x.dtype(), "scatter_add: src dtype ", dtype_name(src.dtype()), " differs from ",
           dtype_name(x.dtype()));
  check_addable("scatter_add", x.dtype());
  Tensor out = x.detach().clone();
  check_index_range("scatter_add", index, x.size(d));
  internal::backend(x).scatter_add(x.dtype(), strided(out), int(d), strided(index, "scatter_add"),
                                   strided(src, "scatter_add"));
  const Shape src_shape = src.shape();
  const SavedTensor saved_index(index);
  return record("ScatterAddBackward0", {x, src}, out, [d, saved_index, src_shape](const Tensor& g) {
    const Tensor index = saved_index.get();
    Tensor picked = gather(g, d, index);
    if (picked.shape() == src_shape) return Tensors{g, picked};
    // src may be larger than index: the elements index does not reach get no gradient.
    Tensor g_src = zeros(src_shape, {.dtype = g.dtype(), .device = g.device()});
    Tensor part = g_src;
    for (int64_t k = 0; k < index.dim(); ++k) part = part.narrow(k, 0, index.size(k));
    part.copy_(picked);
    return Tensors{g, g_src};
  });
}

}  // namespace minitorch
