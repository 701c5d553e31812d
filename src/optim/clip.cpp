#include "minitorch/optim/clip.hpp"

#include <cmath>

#include "minitorch/autograd.hpp"
#include "minitorch/ops/elementwise.hpp"
#include "minitorch/ops/reduce.hpp"

namespace minitorch::optim {

namespace {
// The p-norm of a list of numbers; p = inf gives the largest absolute value.
double norm_of(const std::vector<double>& values, double p) {
  double acc = 0;
  for (double v : values) {
    if (std::isnan(v)) return v;  // std::max would drop it: a NaN gradient makes the norm NaN
    acc = std::isinf(p) ? std::max(acc, std::abs(v)) : acc + std::pow(std::abs(v), p);
  }
  return std::isinf(p) ? acc : std::pow(acc, 1 / p);
}

// The p-norm of one gradient, accumulated in float64 so that large models do not lose digits.
double grad_norm(const Tensor& grad, double p) {
  const Tensor g = grad.detach().to(kFloat64);
  if (std::isinf(p)) return g.numel() ? amax(abs(g)).item() : 0.0;
  if (p == 2) return std::sqrt(sum(g * g).item());
  if (p == 1) return sum(abs(g)).item();
  return std::pow(sum(pow(abs(g), p)).item(), 1 / p);
}
}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type, bool error_if_nonfinite) {
  MT_CHECK(norm_type > 0, "clip_grad_norm_: norm_type must be positive (or INFINITY), got ", norm_type);
  MT_CHECK(max_norm >= 0, "clip_grad_norm_: max_norm must be >= 0, got ", max_norm);
  NoGradGuard no_grad;
  std::vector<Tensor> grads;
  std::vector<double> norms;
  for (const Tensor& p : params) {
    const Tensor g = p.grad();
    if (!g.defined()) continue;
    grads.push_back(g);
    norms.push_back(grad_norm(g, norm_type));
  }
  if (grads.empty()) return 0;
  const double total = norm_of(norms, norm_type);
  MT_CHECK(!error_if_nonfinite || std::isfinite(total), "clip_grad_norm_: the total norm of order ", norm_type,
           " of the gradients is ", total, " (not finite); pass error_if_nonfinite = false to scale them anyway");
  const double coef = max_norm / (total + 1e-6);
  // torch multiplies by min(coef, 1) always; skipping the multiplication by 1 changes nothing.
  // A NaN coefficient fails the comparison, so NaN gradients are scaled too, as in torch.
  if (!(coef >= 1))
    for (Tensor& g : grads) g.mul_(coef);
  return total;
}

}  // namespace minitorch::optim
