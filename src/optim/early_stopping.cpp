#include "minitorch/optim/early_stopping.hpp"

#include <cmath>
#include <limits>

#include "minitorch/error.hpp"

namespace minitorch::optim {

EarlyStopping::EarlyStopping(int64_t patience, double min_delta, Mode mode)
    : patience_(patience), min_delta_(min_delta), mode_(mode), best_(std::numeric_limits<double>::quiet_NaN()) {
  MT_CHECK(patience >= 1, "EarlyStopping: patience must be at least 1 epoch, got ", patience);
  MT_CHECK(std::isfinite(min_delta) && min_delta >= 0, "EarlyStopping: min_delta must be finite and >= 0, got ",
           min_delta);
}

bool EarlyStopping::improved_by(double metric) const {
  if (std::isnan(metric)) return false;
  if (best_epoch_ < 0) return true;
  return mode_ == Mode::Max ? metric > best_ + min_delta_ : metric < best_ - min_delta_;
}

bool EarlyStopping::step(double metric) {
  if (improved_by(metric)) {
    best_ = metric;
    best_epoch_ = epochs_;
    bad_epochs_ = 0;
  } else {
    ++bad_epochs_;
  }
  ++epochs_;
  return bad_epochs_ >= patience_;
}

}  // namespace minitorch::optim
