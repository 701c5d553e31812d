#pragma once
// Early stopping: stop training when a validation metric has not improved for `patience` epochs.
//
//   optim::EarlyStopping stopper(/*patience=*/3, /*min_delta=*/0.0, optim::EarlyStopping::Mode::Max);
//   for (int epoch = 0; ...; ++epoch) {
//     double acc = validate();
//     if (stopper.improved_by(acc)) save_best();   // optional: would this value be a new best?
//     if (stopper.step(acc)) break;
//   }
//
// The state is a function of the metrics seen so far, so a resumed run rebuilds it by calling
// step() again with the metric history saved in its checkpoint.
#include <cstdint>

namespace minitorch::optim {

class EarlyStopping {
 public:
  enum class Mode { Min, Max };  // Min: lower is better (a loss); Max: higher is better (accuracy)

  explicit EarlyStopping(int64_t patience, double min_delta = 0, Mode mode = Mode::Min);

  // Records one epoch's metric; returns true when training should stop: the metric has not
  // improved on the best by more than min_delta for `patience` epochs in a row. A NaN metric
  // never improves.
  bool step(double metric);
  // Whether `metric` would count as an improvement now (always true before the first step).
  bool improved_by(double metric) const;
  bool improved() const { return bad_epochs_ == 0 && epochs_ > 0; }  // did the last step improve?

  double best() const { return best_; }                 // NaN before the first step
  int64_t best_epoch() const { return best_epoch_; }    // 0-based index of the best step; -1 before
  int64_t epochs() const { return epochs_; }            // steps so far
  int64_t bad_epochs() const { return bad_epochs_; }    // steps since the last improvement

 private:
  int64_t patience_;
  double min_delta_;
  Mode mode_;
  double best_;
  int64_t best_epoch_ = -1, epochs_ = 0, bad_epochs_ = 0;
};

}  // namespace minitorch::optim
