#pragma once
// Tensor: a typed, strided view of refcounted storage, plus its autograd state.
//
// A Tensor is a cheap handle (one shared_ptr) to a TensorImpl. Views (reshape, permute, narrow,
// select, expand, ...) make a new TensorImpl that shares the Storage with other strides and
// offset; copying a Tensor handle never copies data. Shapes and strides count elements.
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

#include "minitorch/device.hpp"
#include "minitorch/dtype.hpp"
#include "minitorch/error.hpp"

namespace minitorch {

using Shape = std::vector<int64_t>;
std::string shape_str(const Shape& shape);  // "[2, 3]"

// A block of device memory, freed when the last tensor using it goes away. The version counts
// in-place writes, so autograd can tell when a tensor saved for backward was overwritten.
class Storage {
 public:
  // pinned: page-locked CPU memory from the CUDA backend, which copies it to the GPU
  // asynchronously (device must be the CPU).
  Storage(size_t nbytes, Device device, bool pinned = false);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }
  bool pinned() const { return pinned_; }
  uint64_t version() const { return version_; }
  void bump_version() { ++version_; }

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  Device device_;
  bool pinned_ = false;
  uint64_t version_ = 0;
};

struct Node;  // autograd.hpp

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Shape strides;
  int64_t offset = 0;  // in elements
  DType dtype = kFloat32;

  bool requires_grad = false;
  std::shared_ptr<TensorImpl> grad;         // .grad of a leaf, filled by backward()
  std::shared_ptr<Node> grad_fn;            // the op that made this tensor (null for leaves)
  std::weak_ptr<Node> grad_accumulator;     // a leaf's AccumulateGrad node, shared by its uses
};

// Options for factory functions, with C++20 designated initialisers:
//   zeros({2, 3}, {.dtype = kFloat64, .requires_grad = true})
struct TensorOptions {
  DType dtype = kFloat32;
  Device device = kCPU;
  bool requires_grad = false;
  bool pin_memory = false;  // page-locked CPU memory (needs a GPU), see Tensor::pin_memory()
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  bool defined() const { return impl_ != nullptr; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool same(const Tensor& other) const { return impl_ == other.impl_; }

  // ---- metadata ------------------------------------------------------------------------------
  const Shape& shape() const { return checked().shape; }
  const Shape& strides() const { return checked().strides; }
  int64_t size(int64_t dim) const;   // negative dims count from the end
  int64_t stride(int64_t dim) const;
  int64_t dim() const { return int64_t(shape().size()); }
  int64_t numel() const;
  int64_t storage_offset() const { return checked().offset; }
  DType dtype() const { return checked().dtype; }
  Device device() const;
  TensorOptions options() const { return {dtype(), device(), false}; }
  bool is_contiguous() const;
  size_t element_size() const { return dtype_size(dtype()); }
  const std::shared_ptr<Storage>& storage() const { return checked().storage; }

  // ---- data (CPU tensors) -------------------------------------------------------------------
  void* raw_data() const;  // address of element 0, any device
  template <class T>
  T* data_ptr() const {
    MT_CHECK(dtype() == dtype_of<T>::value, "data_ptr: tensor has dtype ", dtype_name(dtype()),
             ", asked for ", dtype_name(dtype_of<T>::value));
    MT_CHECK(device().is_cpu(), "data_ptr: tensor is on ", device().str(), "; call to(kCPU) first");
    return static_cast<T*>(raw_data());
  }
  double item() const;  // the value of a one-element tensor
  // The value as T; integers are read as such, not through double (exact beyond 2^53).
  template <class T>
  T item() const {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      MT_CHECK(numel() == 1, "item: tensor of shape ", shape_str(shape()), " has ", numel(),
               " elements (expected exactly one)");
      return static_cast<T>(to_vector<int64_t>()[0]);
    } else {
      return static_cast<T>(item());
    }
  }
  template <class T>
  std::vector<T> to_vector() const;  // all elements in row-major order, converted to T

  // ---- autograd ------------------------------------------------------------------------------
  bool requires_grad() const { return checked().requires_grad; }
  Tensor& requires_grad_(bool on = true);  // only on floating leaves
  Tensor grad() const;                     // undefined until backward() reaches this leaf
  void set_grad(const Tensor& g);
  void zero_grad();                        // drops .grad
  bool is_leaf() const { return checked().grad_fn == nullptr; }
  const std::shared_ptr<Node>& grad_fn() const { return checked().grad_fn; }
  // Backpropagates from this tensor. `gradient` may be omitted for a one-element tensor.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false) const;
  Tensor detach() const;  // same storage, no history

  // ---- views (share storage) -------------------------------------------------------------------
  Tensor view(const Shape& shape) const;     // contiguous tensors only; one dim may be -1
  Tensor reshape(const Shape& shape) const;  // a view when possible, else a copy
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor permute(const Shape& dims) const;
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor t() const;  // 2-D transpose
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor operator[](int64_t index) const { return select(0, index); }
  Tensor expand(const Shape& shape) const;  // -1 keeps a size
  Tensor expand_as(const Tensor& other) const { return expand(other.shape()); }
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;

  // ---- copies and conversions ------------------------------------------------------------------
  Tensor contiguous() const;  // itself when already contiguous
  Tensor clone() const;
  Tensor to(DType dtype) const;
  // non_blocking: a copy from pinned memory to the GPU returns at once and runs in order with
  // the GPU's later kernels (as torch's to(device, non_blocking=True)); other copies are blocking.
  Tensor to(Device device, bool non_blocking = false) const;
  // A copy in page-locked CPU memory (itself when already pinned), which the GPU reads without
  // staging, so that to(kCUDA, true) can overlap the copy with the host's work. Needs a GPU.
  Tensor pin_memory() const;
  bool is_pinned() const;
  Tensor& copy_(const Tensor& src);  // broadcasts, converts dtype, crosses devices

  // ---- in-place (not allowed on tensors that require grad while grad mode is on) -------------
  Tensor& fill_(double value);
  Tensor& zero_() { return fill_(0); }
  Tensor& add_(const Tensor& other, double alpha = 1);
  Tensor& add_(double value);
  Tensor& sub_(const Tensor& other) { return add_(other, -1); }
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(double value);
  Tensor& div_(const Tensor& other);
  Tensor& div_(double value) { return mul_(1.0 / value); }
  Tensor& clamp_(double min, double max);
  Tensor& uniform_(double low = 0, double high = 1);
  Tensor& normal_(double mean = 0, double std = 1);
  Tensor& trunc_normal_(double mean = 0, double std = 1, double a = -2, double b = 2);

  // ---- math (see ops/*.hpp for the full list and the free-function forms) ----------------------
  Tensor sum() const;
  Tensor sum(const Shape& dims, bool keepdim = false) const;
  Tensor mean() const;
  Tensor mean(const Shape& dims, bool keepdim = false) const;
  Tensor var(const Shape& dims, bool keepdim = false, double correction = 1) const;
  Tensor std(const Shape& dims, bool keepdim = false, double correction = 1) const;
  Tensor max() const;
  Tensor min() const;
  Tensor argmax(int64_t dim, bool keepdim = false) const;
  Tensor argmin(int64_t dim, bool keepdim = false) const;
  Tensor matmul(const Tensor& other) const;
  Tensor pow(double exponent) const;
  Tensor exp() const;
  Tensor log() const;
  Tensor sqrt() const;
  Tensor abs() const;
  Tensor relu() const;
  Tensor sigmoid() const;
  Tensor tanh() const;
  Tensor softmax(int64_t dim) const;
  Tensor log_softmax(int64_t dim) const;

  std::string str() const;  // printed as PyTorch prints it

 private:
  const TensorImpl& checked() const {
    MT_CHECK(impl_ != nullptr, "tensor: use of an undefined (empty) tensor");
    return *impl_;
  }
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& out, const Tensor& t);

// A tensor over new, uninitialised storage (contiguous).
Tensor empty(const Shape& shape, TensorOptions options = {});
// Normalises a possibly negative dim against `ndim`; `op` names the caller in the error.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);
Shape contiguous_strides(const Shape& shape);
int64_t shape_numel(const Shape& shape);

}  // namespace minitorch
