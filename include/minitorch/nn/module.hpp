#pragma once
// Module: the base of every layer and model. A module owns named parameters (tensors that
// require grad and that optimizers update), named buffers (state that is saved but not trained)
// and named child modules. Names compose with dots exactly as PyTorch's do, so
// named_parameters() of a model gives "features.1.0.block.0.weight" as torchvision does, and
// state dicts map one to one.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "minitorch/tensor.hpp"

namespace minitorch::nn {

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

class Module {
 public:
  virtual ~Module() = default;
  Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // Every layer here maps one tensor to one tensor (activations NHWC where spatial).
  virtual Tensor forward(const Tensor& x) = 0;
  Tensor operator()(const Tensor& x) { return forward(x); }

  // Recursive, in registration order; a tensor shared by two layers is listed once, under its
  // first name (as PyTorch does; an optimizer would step it twice), parameters and buffers
  // alike. state_dict() keeps every name.
  NamedTensors named_parameters() const;
  std::vector<Tensor> parameters() const;
  NamedTensors named_buffers() const;
  // Parameters and buffers (torch's state_dict): the tensors themselves, not copies.
  NamedTensors state_dict() const;
  // Copies values into this module's tensors. With strict, missing and unexpected names are an
  // error; a shape mismatch always is. The error lists every offending key.
  void load_state_dict(const NamedTensors& state, bool strict = true);

  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& children() const { return children_; }
  std::shared_ptr<Module> child(const std::string& name) const;
  // Replaces a child (e.g. a classifier head) keeping its name and position.
  void replace_child(const std::string& name, std::shared_ptr<Module> module);

  void train(bool on = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }
  void zero_grad();
  void requires_grad_(bool on);  // freeze (false) or unfreeze every parameter
  int64_t num_parameters() const;
  // Moves every parameter and buffer to `device`, keeping the same Tensor handles (so an
  // optimizer built before still sees them).
  void to(Device device);
  // Converts every floating parameter and buffer to `dtype`, keeping the same Tensor handles.
  void to(DType dtype);

 protected:
  Tensor& register_parameter(const std::string& name, Tensor t);
  Tensor& register_buffer(const std::string& name, Tensor t);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }

 private:
  void add_child(const std::string& name, std::shared_ptr<Module> module);
  void collect(const std::string& prefix, bool parameters, bool buffers, NamedTensors& out) const;
  // Throws unless `name` is a valid, unused name for a parameter, buffer or child.
  void check_new_name(const std::string& name, const char* kind) const;

  NamedTensors parameters_, buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
  bool training_ = true;
};

}  // namespace minitorch::nn
