#include "minitorch/nn/module.hpp"

#include <map>
#include <set>
#include <sstream>

#include "minitorch/autograd.hpp"

namespace minitorch::nn {

void Module::check_new_name(const std::string& name, const char* kind) const {
  MT_CHECK(name.find('.') == std::string::npos && !name.empty(), "Module: invalid ", kind, " name '", name, "'");
  bool taken = false;
  for (const auto& [n, t] : parameters_) taken |= n == name;
  for (const auto& [n, t] : buffers_) taken |= n == name;
  for (const auto& [n, m] : children_) taken |= n == name;
  MT_CHECK(!taken, "Module: a parameter, buffer or child named '", name, "' exists already (registering a ", kind, ")");
}

Tensor& Module::register_parameter(const std::string& name, Tensor t) {
  check_new_name(name, "parameter");
  if (t.defined() && !t.requires_grad()) t.requires_grad_(true);
  parameters_.emplace_back(name, t);
  return parameters_.back().second;
}

Tensor& Module::register_buffer(const std::string& name, Tensor t) {
  check_new_name(name, "buffer");
  buffers_.emplace_back(name, t);
  return buffers_.back().second;
}

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  MT_CHECK(module != nullptr, "Module: child '", name, "' is null");
  check_new_name(name, "child");
  children_.emplace_back(name, std::move(module));
}

std::shared_ptr<Module> Module::child(const std::string& name) const {
  for (const auto& [n, m] : children_)
    if (n == name) return m;
  detail::fail("Module: no child named '", name, "'");
}

void Module::replace_child(const std::string& name, std::shared_ptr<Module> module) {
  MT_CHECK(module != nullptr, "Module: replacement for '", name, "' is null");
  for (auto& [n, m] : children_)
    if (n == name) {
      module->train(training_);
      m = std::move(module);
      return;
    }
  detail::fail("Module: no child named '", name, "' to replace");
}

void Module::collect(const std::string& prefix, bool parameters, bool buffers, NamedTensors& out) const {
  // Undefined entries (a layer built without bias) are skipped, as PyTorch skips None.
  if (parameters)
    for (const auto& [n, t] : parameters_)
      if (t.defined()) out.emplace_back(prefix + n, t);
  if (buffers)
    for (const auto& [n, t] : buffers_)
      if (t.defined()) out.emplace_back(prefix + n, t);
  for (const auto& [n, m] : children_) m->collect(prefix + n + ".", parameters, buffers, out);
}

namespace {
// A tensor shared by two layers (tied weights, one layer used twice) is listed once, under its
// first name, as PyTorch does: an optimizer would otherwise step it twice. state_dict() keeps
// every name.
NamedTensors first_names_only(const NamedTensors& all) {
  NamedTensors out;
  std::set<const TensorImpl*> seen;
  for (const auto& [n, t] : all)
    if (seen.insert(t.impl()).second) out.emplace_back(n, t);
  return out;
}
}  // namespace

NamedTensors Module::named_parameters() const {
  NamedTensors all;
  collect("", true, false, all);
  return first_names_only(all);
}

std::vector<Tensor> Module::parameters() const {
  std::vector<Tensor> out;
  for (auto& [n, t] : named_parameters()) out.push_back(t);
  return out;
}

NamedTensors Module::named_buffers() const {
  NamedTensors all;
  collect("", false, true, all);
  return first_names_only(all);
}

NamedTensors Module::state_dict() const {
  NamedTensors out;
  collect("", true, true, out);
  return out;
}

void Module::load_state_dict(const NamedTensors& state, bool strict) {
  std::map<std::string, Tensor> given;
  for (const auto& [n, t] : state) given[n] = t;
  std::vector<std::string> missing, mismatched;
  const NamedTensors mine = state_dict();
  for (const auto& [name, t] : mine) {
    auto it = given.find(name);
    if (it == given.end()) {
      missing.push_back(name);
    } else if (!it->second.defined()) {
      mismatched.push_back(name + ": checkpoint holds an undefined tensor");
    } else if (it->second.shape() != t.shape()) {
      mismatched.push_back(name + ": checkpoint " + shape_str(it->second.shape()) + ", model " + shape_str(t.shape()));
    }
  }
  std::vector<std::string> unexpected;
  for (const auto& [name, t] : state) {
    bool known = false;
    for (const auto& [n, m] : mine) known |= n == name;
    if (!known) unexpected.push_back(name);
  }
  // The first few of each kind: a checkpoint of another model can differ in hundreds of keys.
  auto list = [](const std::vector<std::string>& names) {
    constexpr size_t kShown = 4;
    std::ostringstream out;
    for (size_t i = 0; i < names.size() && i < kShown; ++i) out << (i ? ", " : "") << names[i];
    if (names.size() > kShown) out << " and " << names.size() - kShown << " more";
    return out.str();
  };
  std::ostringstream problems;
  if (!mismatched.empty()) problems << " shape mismatch: " << list(mismatched) << ";";
  if (strict && !missing.empty()) problems << " missing keys: " << list(missing) << ";";
  if (strict && !unexpected.empty()) problems << " unexpected keys: " << list(unexpected) << ";";
  MT_CHECK(problems.str().empty(), "load_state_dict:", problems.str());
  NoGradGuard no_grad;
  for (const auto& [name, t] : mine) {
    auto it = given.find(name);
    if (it != given.end()) const_cast<Tensor&>(t).copy_(it->second);
  }
}

void Module::train(bool on) {
  training_ = on;
  for (auto& [n, m] : children_) m->train(on);
}

void Module::zero_grad() {
  for (Tensor& t : parameters()) t.zero_grad();
}

void Module::requires_grad_(bool on) {
  for (Tensor& t : parameters()) t.requires_grad_(on);
}

int64_t Module::num_parameters() const {
  int64_t n = 0;
  for (const auto& [name, t] : named_parameters()) n += t.numel();
  return n;
}

namespace {
// Points t's TensorImpl at `moved`'s data, so every handle to t (a layer's member, an
// optimizer's list) sees the new device or dtype.
void swap_data(Tensor& t, const Tensor& moved) {
  TensorImpl* impl = t.impl();
  impl->storage = moved.storage();
  impl->strides = moved.strides();
  impl->offset = moved.storage_offset();
  impl->dtype = moved.dtype();
  impl->grad.reset();
}
}  // namespace

void Module::to(Device device) {
  NoGradGuard no_grad;
  for (auto& [name, t] : state_dict())
    if (t.device() != device) swap_data(t, t.contiguous().to(device));
}

void Module::to(DType dtype) {
  // The layers compute in float32 or float64; bf16 products come from AutocastGuard, with the
  // weights kept in float32 (master weights), as under torch.autocast.
  MT_CHECK(dtype == kFloat32 || dtype == kFloat64, "Module::to: expects float32 or float64, got ", dtype_name(dtype),
           " (for bf16 products, keep float32 weights and use AutocastGuard)");
  NoGradGuard no_grad;
  for (auto& [name, t] : state_dict())
    if (is_floating(t.dtype()) && t.dtype() != dtype) swap_data(t, t.to(dtype));
}

}  // namespace minitorch::nn
