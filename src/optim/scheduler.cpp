#include "minitorch/optim/scheduler.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace minitorch::optim {

namespace {
std::vector<double> current_lrs(const Optimizer& optimizer) {
  std::vector<double> lrs;
  for (size_t g = 0; g < optimizer.num_groups(); ++g) lrs.push_back(optimizer.lr(g));
  return lrs;
}
}  // namespace

LRScheduler::LRScheduler(Optimizer& optimizer) : LRScheduler(optimizer, current_lrs(optimizer)) {}

LRScheduler::LRScheduler(Optimizer& optimizer, std::vector<double> base_lrs)
    : optimizer_(optimizer), base_lrs_(std::move(base_lrs)) {
  MT_CHECK(base_lrs_.size() == optimizer_.num_groups(), "LRScheduler: ", base_lrs_.size(),
           " base learning rates for an optimizer with ", optimizer_.num_groups(), " parameter groups");
}

void LRScheduler::apply() {
  for (size_t g = 0; g < base_lrs_.size(); ++g) optimizer_.set_lr(g, lr_at(last_epoch_, base_lrs_[g]));
}

void LRScheduler::step() {
  ++last_epoch_;
  apply();
}

void LRScheduler::set_last_epoch(int64_t epoch) {
  MT_CHECK(epoch >= 0, "LRScheduler: set_last_epoch needs a step >= 0, got ", epoch);
  last_epoch_ = epoch;
  apply();
}

std::vector<double> LRScheduler::last_lr() const { return current_lrs(optimizer_); }

StepLR::StepLR(Optimizer& optimizer, int64_t step_size, double gamma)
    : LRScheduler(optimizer), step_size_(step_size), gamma_(gamma) {
  MT_CHECK(step_size > 0, "StepLR: step_size must be positive, got ", step_size);
  apply();
}

double StepLR::lr_at(int64_t epoch, double base_lr) const {
  return base_lr * std::pow(gamma_, double(epoch / step_size_));
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, int64_t T_max, double eta_min)
    : LRScheduler(optimizer), T_max_(T_max), eta_min_(eta_min) {
  MT_CHECK(T_max > 0, "CosineAnnealingLR: T_max must be positive, got ", T_max);
  apply();
}

double CosineAnnealingLR::lr_at(int64_t epoch, double base_lr) const {
  return eta_min_ + (base_lr - eta_min_) * (1 + std::cos(std::numbers::pi * double(epoch) / double(T_max_))) / 2;
}

LinearLR::LinearLR(Optimizer& optimizer, double start_factor, double end_factor, int64_t total_iters)
    : LRScheduler(optimizer), start_factor_(start_factor), end_factor_(end_factor), total_iters_(total_iters) {
  // torch's limits: a zero start factor would make its recursive form divide by zero.
  MT_CHECK(start_factor > 0 && start_factor <= 1, "LinearLR: start_factor must be in (0, 1], got ", start_factor);
  MT_CHECK(end_factor >= 0 && end_factor <= 1, "LinearLR: end_factor must be in [0, 1], got ", end_factor);
  MT_CHECK(total_iters > 0, "LinearLR: total_iters must be positive, got ", total_iters);
  apply();
}

double LinearLR::lr_at(int64_t epoch, double base_lr) const {
  const double progress = double(std::min(total_iters_, epoch)) / double(total_iters_);
  return base_lr * (start_factor_ + (end_factor_ - start_factor_) * progress);
}

SequentialLR::SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<const LRScheduler>> schedulers,
                           std::vector<int64_t> milestones)
    : LRScheduler(optimizer, !schedulers.empty() && schedulers[0] ? schedulers[0]->base_lrs() : std::vector<double>{}),
      schedulers_(std::move(schedulers)),
      milestones_(std::move(milestones)) {
  MT_CHECK(!schedulers_.empty(), "SequentialLR: needs at least one scheduler");
  MT_CHECK(milestones_.size() + 1 == schedulers_.size(), "SequentialLR: ", schedulers_.size(),
           " schedulers need ", schedulers_.size() - 1, " milestones, got ", milestones_.size());
  for (size_t i = 0; i < schedulers_.size(); ++i) {
    MT_CHECK(schedulers_[i] != nullptr, "SequentialLR: scheduler ", i, " is null");
    MT_CHECK(&schedulers_[i]->optimizer() == &optimizer, "SequentialLR: scheduler ", i,
             " belongs to another optimizer");
  }
  for (size_t i = 0; i < milestones_.size(); ++i)
    MT_CHECK(milestones_[i] > 0 && (i == 0 || milestones_[i] > milestones_[i - 1]),
             "SequentialLR: milestones must be positive and increasing, got ", milestones_[i], " at position ", i);
  apply();
}

double SequentialLR::lr_at(int64_t epoch, double base_lr) const {
  // The part whose milestone was passed last, counted from that milestone (torch's step(0)).
  const size_t part = size_t(std::upper_bound(milestones_.begin(), milestones_.end(), epoch) - milestones_.begin());
  const int64_t start = part == 0 ? 0 : milestones_[part - 1];
  return schedulers_[part]->lr_at(epoch - start, base_lr);
}

}  // namespace minitorch::optim
