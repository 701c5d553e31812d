#pragma once
// Optimizers with torch.optim's update rules, parameter groups and saveable state.
//
//   optim::Adam opt(model.parameters(), {.lr = 1e-4});
//   loss.backward(); opt.step(); opt.zero_grad();
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "minitorch/nn/module.hpp"
#include "minitorch/tensor.hpp"

namespace minitorch::optim {

struct SGDOptions {
  double lr = 1e-3;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
};

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;  // Adam: added to the gradient (L2); AdamW (via AdamWOptions): decoupled
};

// AdamW's: the same fields, with torch.optim.AdamW's default decay of 1e-2, so that
// `AdamW(params, {.lr = 1e-3})` decays as torch's does.
struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9, beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 1e-2;  // decoupled: applied to the weights, not through the gradient
  AdamOptions as_adam() const {
    return {.lr = lr, .beta1 = beta1, .beta2 = beta2, .eps = eps, .weight_decay = weight_decay};
  }
};

// Base: parameter groups (each with its own learning rate), zero_grad, and state as named tensors.
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual void step() = 0;
  // Drops every parameter's gradient, as PyTorch 2's zero_grad(set_to_none=True): a parameter
  // that then gets none is skipped by step(), its moments left as they are.
  void zero_grad();
  size_t num_groups() const { return groups_.size(); }
  double lr(size_t group = 0) const;
  void set_lr(double lr);  // every group (what schedulers do)
  void set_lr(size_t group, double lr);
  // State ("state.<group>.<index>.exp_avg", "step") for checkpoints; load checks names and shapes.
  virtual nn::NamedTensors state_dict() const = 0;
  virtual void load_state_dict(const nn::NamedTensors& state) = 0;

  struct Group {
    std::vector<Tensor> params;
    double lr;
  };

 protected:
  explicit Optimizer(std::vector<Group> groups);
  std::vector<Group> groups_;
};

class SGD : public Optimizer {
 public:
  SGD(const std::vector<Tensor>& params, SGDOptions options);
  // Several groups, each with its own options.
  explicit SGD(const std::vector<std::pair<std::vector<Tensor>, SGDOptions>>& groups);
  void step() override;
  nn::NamedTensors state_dict() const override;
  void load_state_dict(const nn::NamedTensors& state) override;

 private:
  std::vector<SGDOptions> options_;
  std::vector<std::vector<Tensor>> momentum_;  // per group, per parameter (undefined until used)
};

class Adam : public Optimizer {
 public:
  Adam(const std::vector<Tensor>& params, AdamOptions options, bool decoupled_weight_decay = false);
  Adam(const std::vector<std::pair<std::vector<Tensor>, AdamOptions>>& groups, bool decoupled_weight_decay = false);
  void step() override;
  nn::NamedTensors state_dict() const override;
  void load_state_dict(const nn::NamedTensors& state) override;

 private:
  std::vector<AdamOptions> options_;
  bool decoupled_;
  // Per group, per parameter, as torch keeps them: a parameter without a gradient is skipped
  // and its step count does not advance.
  std::vector<std::vector<int64_t>> steps_;
  std::vector<std::vector<Tensor>> exp_avg_, exp_avg_sq_;
};

// AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, default 1e-2 as torch.optim.AdamW.
class AdamW : public Adam {
 public:
  AdamW(const std::vector<Tensor>& params, AdamWOptions options = {}) : Adam(params, options.as_adam(), true) {}
  AdamW(const std::vector<std::pair<std::vector<Tensor>, AdamWOptions>>& groups) : Adam(as_adam(groups), true) {}

 private:
  static std::vector<std::pair<std::vector<Tensor>, AdamOptions>> as_adam(
      const std::vector<std::pair<std::vector<Tensor>, AdamWOptions>>& groups) {
    std::vector<std::pair<std::vector<Tensor>, AdamOptions>> out;
    for (const auto& [params, options] : groups) out.emplace_back(params, options.as_adam());
    return out;
  }
};

}  // namespace minitorch::optim
