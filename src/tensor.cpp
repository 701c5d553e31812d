// Tensor basics: storage, metadata, element access and the autograd fields of a tensor.
#include "minitorch/tensor.hpp"

#include <sstream>

#include "internal.hpp"
#include "minitorch/autograd.hpp"
#include "minitorch/ops/elementwise.hpp"

namespace minitorch {

// ---- Storage ----------------------------------------------------------------------------------

Storage::Storage(size_t nbytes, Device device, bool pinned) : nbytes_(nbytes), device_(device), pinned_(pinned) {
  if (!pinned) {
    data_ = kernels::backend_for(device).allocate(nbytes);
    return;
  }
  MT_CHECK(device.is_cpu(), "pin_memory: only CPU memory can be pinned, not ", device.str());
  MT_CHECK(cuda::is_available(), "pin_memory: pinned memory needs a CUDA device, and none is available");
  data_ = kernels::cuda_backend().allocate_pinned_host(nbytes);
}
Storage::~Storage() {
  if (!data_) return;
  if (!pinned_) {
    kernels::backend_for(device_).deallocate(data_, nbytes_);
    return;
  }
  kernels::cuda_backend().deallocate_pinned_host(data_, nbytes_);  // cannot throw: CUDA was usable
}

// ---- shapes -----------------------------------------------------------------------------------

std::string shape_str(const Shape& shape) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

int64_t shape_numel(const Shape& shape) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return n;
}

Shape contiguous_strides(const Shape& shape) {
  Shape strides(shape.size());
  int64_t s = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    strides[i] = s;
    s *= std::max<int64_t>(shape[i], 1);
  }
  return strides;
}

int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  const int64_t range = std::max<int64_t>(ndim, 1);  // a 0-dim tensor accepts dims 0 and -1
  MT_CHECK(dim >= -range && dim < range, op, ": dim ", dim, " is out of range for a tensor with ", ndim,
           " dims (expected ", -range, " <= dim < ", range, ")");
  return dim < 0 ? dim + range : dim;
}

Tensor empty(const Shape& shape, TensorOptions options) {
  for (int64_t s : shape) MT_CHECK(s >= 0, "empty: negative size in shape ", shape_str(shape));
  MT_CHECK(int64_t(shape.size()) <= kernels::kMaxDims, "empty: shape ", shape_str(shape), " has more than ",
           kernels::kMaxDims, " dims");
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(size_t(shape_numel(shape)) * dtype_size(options.dtype), options.device,
                                            options.pin_memory);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = options.dtype;
  Tensor t(std::move(impl));
  if (options.requires_grad) t.requires_grad_(true);
  return t;
}

// ---- metadata ---------------------------------------------------------------------------------

int64_t Tensor::size(int64_t d) const { return shape()[size_t(wrap_dim(d, dim(), "size"))]; }
int64_t Tensor::stride(int64_t d) const { return strides()[size_t(wrap_dim(d, dim(), "stride"))]; }
int64_t Tensor::numel() const { return shape_numel(shape()); }
Device Tensor::device() const { return checked().storage->device(); }

bool Tensor::is_contiguous() const {
  if (numel() == 0) return true;  // no element is out of place (PyTorch's rule too)
  int64_t expected = 1;
  for (size_t i = shape().size(); i-- > 0;) {
    if (shape()[i] != 1 && strides()[i] != expected) return false;
    expected *= shape()[i];
  }
  return true;
}

void* Tensor::raw_data() const {
  return static_cast<char*>(checked().storage->data()) + checked().offset * int64_t(element_size());
}

double Tensor::item() const {
  MT_CHECK(numel() == 1, "item: tensor of shape ", shape_str(shape()), " has ", numel(),
           " elements (expected exactly one)");
  return to_vector<double>()[0];
}

template <class T>
std::vector<T> Tensor::to_vector() const {
  Tensor host = to(kCPU).contiguous().to(dtype_of<T>::value);
  const T* p = static_cast<const T*>(host.raw_data());
  return std::vector<T>(p, p + host.numel());
}
template std::vector<bool> Tensor::to_vector<bool>() const;
template std::vector<uint8_t> Tensor::to_vector<uint8_t>() const;
template std::vector<int64_t> Tensor::to_vector<int64_t>() const;
template std::vector<float> Tensor::to_vector<float>() const;
template std::vector<double> Tensor::to_vector<double>() const;

// ---- autograd fields --------------------------------------------------------------------------

Tensor& Tensor::requires_grad_(bool on) {
  if (on && !is_leaf()) return *this;  // made by an op that records gradients: it requires grad already
  MT_CHECK(is_leaf(), "requires_grad_: only leaf tensors can change requires_grad (this one was made by ",
           grad_fn()->name, "); use detach() first");
  MT_CHECK(!on || is_floating(dtype()), "requires_grad_: only floating point tensors can require gradients, got ",
           dtype_name(dtype()));
  impl_->requires_grad = on;
  return *this;
}

Tensor Tensor::grad() const { return Tensor(checked().grad); }

void Tensor::set_grad(const Tensor& g) {
  if (g.defined())  // optimizers read the gradient as the tensor's own elements
    MT_CHECK(g.shape() == shape() && g.dtype() == dtype() && g.device() == device(), "set_grad: a gradient of ",
             dtype_name(g.dtype()), " ", shape_str(g.shape()), " on ", g.device().str(), " for a tensor of ",
             dtype_name(dtype()), " ", shape_str(shape()), " on ", device().str());
  impl_->grad = g.impl_ptr();
}

void Tensor::zero_grad() { checked(), impl_->grad.reset(); }

void Tensor::backward(const Tensor& gradient, bool retain_graph) const { run_backward(*this, gradient, retain_graph); }

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = checked().storage;
  impl->shape = impl_->shape;
  impl->strides = impl_->strides;
  impl->offset = impl_->offset;
  impl->dtype = impl_->dtype;
  return Tensor(std::move(impl));
}

std::ostream& operator<<(std::ostream& out, const Tensor& t) { return out << t.str(); }

// ---- helpers for ops --------------------------------------------------------------------------

namespace internal {

kernels::Strided strided(const Tensor& t, const char* op) {
  MT_CHECK(t.dim() <= kernels::kMaxDims, op, ": tensors have at most ", kernels::kMaxDims, " dims, got ",
           shape_str(t.shape()));
  kernels::Strided s;
  s.data = t.raw_data();
  s.ndim = int(t.dim());
  for (int d = 0; d < s.ndim; ++d) {
    s.shape[d] = t.shape()[size_t(d)];
    s.strides[d] = t.strides()[size_t(d)];
  }
  return s;
}

kernels::Strided strided_as(const Tensor& t, const Shape& shape, const char* op) {
  return strided(t.shape() == shape ? t : t.detach().expand(shape), op);
}

Device common_device(const char* op, const Tensors& tensors) {
  Device device = kCPU;
  bool first = true;
  for (const Tensor& t : tensors) {
    if (!t.defined()) continue;
    if (first) {
      device = t.device();
      first = false;
    }
    MT_CHECK(t.device() == device, op, ": expected all tensors on one device, got ", device.str(), " and ",
             t.device().str());
  }
  return device;
}

void check_writable_in_place(const char* op, const Tensor& self) {
  if (self.numel() == 0) return;  // no element to write twice
  for (int64_t d = 0; d < self.dim(); ++d)
    MT_CHECK(self.stride(d) != 0 || self.size(d) <= 1, op, ": the tensor ", shape_str(self.shape()),
             " has elements that share memory (dim ", d, " has stride 0, as expand() makes); clone() it first");
}

namespace {
// The bytes [first, last) that a tensor's elements can touch in its storage.
std::pair<int64_t, int64_t> byte_span(const Tensor& t) {
  int64_t first = t.storage_offset(), last = t.storage_offset();
  for (int64_t d = 0; d < t.dim(); ++d) {
    const int64_t reach = t.stride(d) * (t.size(d) - 1);
    (reach < 0 ? first : last) += reach;
  }
  const auto item = int64_t(dtype_size(t.dtype()));
  return {first * item, (last + 1) * item};
}
}  // namespace

Tensor inplace_source(const char* op, const Tensor& self, const Tensor& source) {
  MT_CHECK(!(GradMode::enabled() && source.requires_grad()), op, ": the operand requires grad, but in-place ops ",
           "record no gradient; use the out-of-place form (y = y + x) or pass x.detach()");
  Tensor s = source.detach();
  if (s.device() != self.device()) return s.to(self.device());
  if (s.storage() != self.storage() || s.numel() == 0 || self.numel() == 0) return s;
  const bool same_view = s.storage_offset() == self.storage_offset() && s.shape() == self.shape() &&
                         s.strides() == self.strides() && s.dtype() == self.dtype();
  const auto [s_first, s_last] = byte_span(s);
  const auto [self_first, self_last] = byte_span(self);
  const bool overlap = s_first < self_last && self_first < s_last;
  return overlap && !same_view ? s.clone() : s;
}

Tensor as_rows(const Tensor& t, int64_t width) {
  int64_t rows = 1;
  for (int64_t d = 0; d + 1 < t.dim(); ++d) rows *= t.size(d);
  return t.reshape({rows, width});
}

Tensor empty_like_shape(const Tensor& like, const Shape& shape, DType dtype) {
  return empty(shape, {.dtype = dtype, .device = like.device()});
}

Shape reduction_dims(const Shape& dims, int64_t ndim, const char* op) {
  Shape out;
  if (dims.empty()) {
    for (int64_t d = 0; d < ndim; ++d) out.push_back(d);
    return out;
  }
  std::vector<bool> seen(size_t(std::max<int64_t>(ndim, 1)), false);
  for (int64_t d : dims) {
    const int64_t w = wrap_dim(d, ndim, op);
    MT_CHECK(!seen[size_t(w)], op, ": dim ", d, " appears more than once in ", shape_str(dims));
    seen[size_t(w)] = true;
  }
  for (int64_t d = 0; d < ndim; ++d)
    if (seen[size_t(d)]) out.push_back(d);
  return out;
}

Shape reduced_shape(const Shape& shape, const Shape& dims, bool keepdim) {
  Shape out;
  for (int64_t d = 0; d < int64_t(shape.size()); ++d) {
    const bool reduced = std::find(dims.begin(), dims.end(), d) != dims.end();
    if (!reduced) out.push_back(shape[size_t(d)]);
    else if (keepdim) out.push_back(1);
  }
  return out;
}

}  // namespace internal

}  // namespace minitorch
