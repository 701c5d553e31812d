#pragma once
// Learning-rate schedulers with torch.optim.lr_scheduler's names and sequences.
//
//   optim::Adam opt(model.parameters(), {.lr = 1e-3});
//   optim::CosineAnnealingLR cosine(opt, /*T_max=*/20);
//   for (int epoch = 0; epoch < 20; ++epoch) { train_one_epoch(); cosine.step(); }
//
// A scheduler remembers the optimizer's learning rates when it is built (the base lrs), sets the
// lr of step 0 at once, as torch does, and each step() advances its counter by one and sets
// lr = lr_at(counter, base) for every parameter group. Whether a step is an epoch or an
// iteration is the caller's choice. The lrs come from torch's closed forms
// (_get_closed_form_lr), so they depend only on the counter: set_last_epoch(n) jumps straight to
// step n when training resumes from a checkpoint. torch's step() updates the lr recursively;
// both agree to rounding (tests/test_schedulers.cpp compares them with torch's sequences).
#include <cstdint>
#include <memory>
#include <vector>

#include "minitorch/optim/optimizer.hpp"

namespace minitorch::optim {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  void step();                           // one more epoch (or iteration)
  void set_last_epoch(int64_t epoch);    // jump to a step, e.g. the epoch a checkpoint stopped at
  int64_t last_epoch() const { return last_epoch_; }
  const std::vector<double>& base_lrs() const { return base_lrs_; }
  std::vector<double> last_lr() const;   // the lrs set by the last step, one per group
  const Optimizer& optimizer() const { return optimizer_; }

  // The learning rate at step `epoch` of a group whose base learning rate is `base_lr`.
  virtual double lr_at(int64_t epoch, double base_lr) const = 0;

 protected:
  // Records the optimizer's current learning rates as the base lrs. Derived constructors check
  // their arguments and then call apply(), because lr_at cannot be called from this constructor.
  explicit LRScheduler(Optimizer& optimizer);
  LRScheduler(Optimizer& optimizer, std::vector<double> base_lrs);
  void apply();  // sets every group's lr to lr_at(last_epoch, base)

 private:
  Optimizer& optimizer_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = 0;
};

// lr = base * gamma^(epoch / step_size) (integer division): decays by gamma every step_size steps.
class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, int64_t step_size, double gamma = 0.1);
  double lr_at(int64_t epoch, double base_lr) const override;

 private:
  int64_t step_size_;
  double gamma_;
};

// lr = eta_min + (base - eta_min) (1 + cos(pi epoch / T_max)) / 2: half a cosine from base down
// to eta_min over T_max steps (and back up after, as torch's, if stepped further).
class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min = 0);
  double lr_at(int64_t epoch, double base_lr) const override;

 private:
  int64_t T_max_;
  double eta_min_;
};

// Linear warmup: the factor goes from start_factor to end_factor over total_iters steps and then
// stays: lr = base (start + (end - start) min(epoch, total_iters) / total_iters).
class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, double start_factor = 1.0 / 3, double end_factor = 1.0, int64_t total_iters = 5);
  double lr_at(int64_t epoch, double base_lr) const override;

 private:
  double start_factor_, end_factor_;
  int64_t total_iters_;
};

// torch's SequentialLR: schedulers[0] until milestones[0], then schedulers[1] counted from 0 at
// that milestone, and so on; e.g. a LinearLR warmup for 5 epochs and then cosine annealing:
//
//   auto warmup = std::make_shared<optim::LinearLR>(opt, 0.1, 1.0, 5);
//   auto cosine = std::make_shared<optim::CosineAnnealingLR>(opt, 45);
//   optim::SequentialLR schedule(opt, {warmup, cosine}, {5});
//
// Every part uses the base lrs of the first one (torch's initial_lr), whatever the lr was when a
// later part was built; only their lr_at is used, the parts are not stepped themselves.
class SequentialLR : public LRScheduler {
 public:
  SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<const LRScheduler>> schedulers,
               std::vector<int64_t> milestones);
  double lr_at(int64_t epoch, double base_lr) const override;

 private:
  std::vector<std::shared_ptr<const LRScheduler>> schedulers_;
  std::vector<int64_t> milestones_;
};

}  // namespace minitorch::optim
