#include "minitorch/optim/optimizer.hpp"

#include <map>
#include <set>

#include "../internal.hpp"
#include "minitorch/autograd.hpp"
#include "minitorch/ops/creation.hpp"

namespace minitorch::optim {

namespace {

// Every parameter of every group: a contiguous leaf that requires grad, in one group only (it
// would be stepped twice), and at least one in all (as PyTorch's "empty parameter list").
template <class Options>
void check_params(const char* op, const std::vector<std::pair<std::vector<Tensor>, Options>>& groups) {
  std::set<const TensorImpl*> seen;
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    const std::vector<Tensor>& params = groups[gi].first;
    for (size_t i = 0; i < params.size(); ++i) {
      MT_CHECK(params[i].defined(), op, ": parameter ", i, " of group ", gi, " is undefined");
      MT_CHECK(params[i].is_leaf() && params[i].requires_grad(), op, ": parameter ", i, " of group ", gi,
               " must be a leaf tensor that requires grad");
      MT_CHECK(params[i].is_contiguous(), op, ": parameter ", i, " of group ", gi, " must be contiguous");
      MT_CHECK(seen.insert(params[i].impl()).second, op, ": parameter ", i, " of group ", gi,
               " appears more than once (in this or an earlier group)");
    }
  }
  MT_CHECK(!seen.empty(), op, ": got an empty parameter list");
}

// The parameter's gradient, contiguous, or undefined when it has none. A gradient set by hand
// (Tensor::set_grad checks this too) must have the parameter's dtype, device and shape: the
// kernels read it as the parameter's elements.
Tensor checked_grad(const char* op, const Tensor& param) {
  const Tensor g = param.grad();
  if (!g.defined()) return g;
  MT_CHECK(g.dtype() == param.dtype() && g.device() == param.device() && g.shape() == param.shape(), op,
           ": a gradient of ", dtype_name(g.dtype()), " ", shape_str(g.shape()), " on ", g.device().str(),
           " for a parameter of ", dtype_name(param.dtype()), " ", shape_str(param.shape()), " on ",
           param.device().str());
  return g.contiguous();
}

// The base class's groups (parameters and learning rate) from (parameters, options) pairs.
template <class Options>
std::vector<Optimizer::Group> lr_groups(const std::vector<std::pair<std::vector<Tensor>, Options>>& groups) {
  std::vector<Optimizer::Group> out;
  for (const auto& [params, o] : groups) out.push_back({params, o.lr});
  return out;
}

std::string key(size_t group, size_t index, const char* what) {
  return "state." + std::to_string(group) + "." + std::to_string(index) + "." + what;
}

// A saved state tensor as the optimizer's own: the parameter's dtype and device, not shared
// with the state dict it came from.
Tensor like_param(const Tensor& saved, const Tensor& param) {
  Tensor t = saved.to(param.dtype()).to(param.device());
  return t.impl() == saved.impl() ? t.clone() : t;
}

// Reads state tensors back by name, checking shapes against the parameters.
struct StateReader {
  std::map<std::string, Tensor> entries;
  explicit StateReader(const nn::NamedTensors& state) {
    for (const auto& [n, t] : state) entries[n] = t;
  }
  Tensor take(const std::string& name, const Shape& shape) {
    auto it = entries.find(name);
    if (it == entries.end()) return Tensor();
    MT_CHECK(it->second.shape() == shape, "optimizer load_state_dict: ", name, " has shape ",
             shape_str(it->second.shape()), ", the parameter has ", shape_str(shape));
    Tensor t = it->second;
    entries.erase(it);
    return t;
  }
  void finish() {
    if (entries.empty()) return;
    detail::fail("optimizer load_state_dict: unexpected entry '", entries.begin()->first,
                 "' (the state belongs to another model or optimizer)");
  }
};

}  // namespace

Optimizer::Optimizer(std::vector<Group> groups) : groups_(std::move(groups)) {
  MT_CHECK(!groups_.empty(), "optimizer: needs at least one parameter group");
}

void Optimizer::zero_grad() {
  for (auto& g : groups_)
    for (auto& p : g.params) p.zero_grad();
}

double Optimizer::lr(size_t group) const {
  MT_CHECK(group < groups_.size(), "optimizer: no parameter group ", group);
  return groups_[group].lr;
}
void Optimizer::set_lr(double lr) {
  for (auto& g : groups_) g.lr = lr;
}
void Optimizer::set_lr(size_t group, double lr) {
  MT_CHECK(group < groups_.size(), "optimizer: no parameter group ", group);
  groups_[group].lr = lr;
}

// ---- SGD ------------------------------------------------------------------------------------------

SGD::SGD(const std::vector<Tensor>& params, SGDOptions options) : SGD(std::vector{std::pair{params, options}}) {}

SGD::SGD(const std::vector<std::pair<std::vector<Tensor>, SGDOptions>>& groups)
    : Optimizer(lr_groups(groups)) {
  check_params("SGD", groups);
  for (const auto& [params, o] : groups) {
    MT_CHECK(o.lr >= 0 && o.momentum >= 0 && o.weight_decay >= 0, "SGD: lr, momentum and weight_decay must be >= 0");
    MT_CHECK(!o.nesterov || (o.momentum > 0 && o.dampening == 0), "SGD: nesterov needs momentum > 0 and dampening 0");
    options_.push_back(o);
    momentum_.emplace_back(params.size());
  }
}

void SGD::step() {
  NoGradGuard no_grad;
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    const SGDOptions& o = options_[gi];
    for (size_t i = 0; i < groups_[gi].params.size(); ++i) {
      Tensor& p = groups_[gi].params[i];
      const Tensor gc = checked_grad("SGD", p);
      if (!gc.defined()) continue;
      Tensor& buf = momentum_[gi][i];
      const bool first = !buf.defined();
      if (o.momentum != 0 && first) buf = empty(p.shape(), p.options());
      kernels::SgdStep s{groups_[gi].lr, o.momentum, o.dampening, o.weight_decay, o.nesterov, first};
      internal::backend(p).sgd_step(p.dtype(), p.numel(), p.raw_data(), gc.raw_data(),
                                    buf.defined() ? buf.raw_data() : nullptr, s);
      p.storage()->bump_version();
    }
  }
}

nn::NamedTensors SGD::state_dict() const {
  nn::NamedTensors out;
  for (size_t gi = 0; gi < momentum_.size(); ++gi)
    for (size_t i = 0; i < momentum_[gi].size(); ++i)
      if (momentum_[gi][i].defined()) out.emplace_back(key(gi, i, "momentum_buffer"), momentum_[gi][i].clone());
  return out;
}

void SGD::load_state_dict(const nn::NamedTensors& state) {
  StateReader reader(state);
  for (size_t gi = 0; gi < momentum_.size(); ++gi)
    for (size_t i = 0; i < momentum_[gi].size(); ++i) {
      Tensor t = reader.take(key(gi, i, "momentum_buffer"), groups_[gi].params[i].shape());
      momentum_[gi][i] = t.defined() ? like_param(t, groups_[gi].params[i]) : Tensor();
    }
  reader.finish();
}

// ---- Adam / AdamW ---------------------------------------------------------------------------------

Adam::Adam(const std::vector<Tensor>& params, AdamOptions options, bool decoupled)
    : Adam(std::vector{std::pair{params, options}}, decoupled) {}

Adam::Adam(const std::vector<std::pair<std::vector<Tensor>, AdamOptions>>& groups, bool decoupled)
    : Optimizer(lr_groups(groups)),
      decoupled_(decoupled) {
  check_params(decoupled ? "AdamW" : "Adam", groups);
  for (const auto& [params, o] : groups) {
    MT_CHECK(o.lr >= 0 && o.eps >= 0 && o.weight_decay >= 0, decoupled ? "AdamW" : "Adam",
             ": lr, eps and weight_decay must be >= 0");
    MT_CHECK(o.beta1 >= 0 && o.beta1 < 1 && o.beta2 >= 0 && o.beta2 < 1, decoupled ? "AdamW" : "Adam",
             ": betas must be in [0, 1), got ", o.beta1, ", ", o.beta2);
    options_.push_back(o);
    steps_.emplace_back(params.size(), 0);
    exp_avg_.emplace_back(params.size());
    exp_avg_sq_.emplace_back(params.size());
  }
}

void Adam::step() {
  NoGradGuard no_grad;
  for (size_t gi = 0; gi < groups_.size(); ++gi) {
    const AdamOptions& o = options_[gi];
    for (size_t i = 0; i < groups_[gi].params.size(); ++i) {
      Tensor& p = groups_[gi].params[i];
      const Tensor gc = checked_grad(decoupled_ ? "AdamW" : "Adam", p);
      if (!gc.defined()) continue;
      if (!exp_avg_[gi][i].defined()) {
        exp_avg_[gi][i] = zeros(p.shape(), p.options());
        exp_avg_sq_[gi][i] = zeros(p.shape(), p.options());
      }
      kernels::AdamStep s{groups_[gi].lr, o.beta1, o.beta2, o.eps, o.weight_decay, decoupled_, ++steps_[gi][i]};
      internal::backend(p).adam_step(p.dtype(), p.numel(), p.raw_data(), gc.raw_data(), exp_avg_[gi][i].raw_data(),
                                     exp_avg_sq_[gi][i].raw_data(), s);
      p.storage()->bump_version();
    }
  }
}

nn::NamedTensors Adam::state_dict() const {
  nn::NamedTensors out;
  for (size_t gi = 0; gi < exp_avg_.size(); ++gi)
    for (size_t i = 0; i < exp_avg_[gi].size(); ++i) {
      if (!exp_avg_[gi][i].defined()) continue;
      out.emplace_back(key(gi, i, "step"), full({}, double(steps_[gi][i]), {.dtype = kInt64}));
      out.emplace_back(key(gi, i, "exp_avg"), exp_avg_[gi][i].clone());
      out.emplace_back(key(gi, i, "exp_avg_sq"), exp_avg_sq_[gi][i].clone());
    }
  return out;
}

void Adam::load_state_dict(const nn::NamedTensors& state) {
  StateReader reader(state);
  for (size_t gi = 0; gi < exp_avg_.size(); ++gi)
    for (size_t i = 0; i < exp_avg_[gi].size(); ++i) {
      const Tensor& p = groups_[gi].params[i];
      Tensor step = reader.take(key(gi, i, "step"), {});
      Tensor m = reader.take(key(gi, i, "exp_avg"), p.shape());
      Tensor v = reader.take(key(gi, i, "exp_avg_sq"), p.shape());
      MT_CHECK(step.defined() == m.defined() && m.defined() == v.defined(), "optimizer load_state_dict: ",
               key(gi, i, "*"), " is incomplete (needs step, exp_avg and exp_avg_sq)");
      steps_[gi][i] = step.defined() ? int64_t(step.item()) : 0;
      exp_avg_[gi][i] = m.defined() ? like_param(m, p) : Tensor();
      exp_avg_sq_[gi][i] = v.defined() ? like_param(v, p) : Tensor();
    }
  reader.finish();
}

}  // namespace minitorch::optim
