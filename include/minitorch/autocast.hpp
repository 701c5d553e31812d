#pragma once
// bfloat16 mixed precision, the part of torch.autocast(dtype=torch.bfloat16) that pays: inside an
// AutocastGuard, matrix products of float32 tensors (linear, the fused MLP, dense convolutions,
// mm, bmm, matmul) read their operands as bfloat16 and accumulate and write float32. On a GPU the
// products then run on bf16 tensor cores.
//
// Everything else stays float32: the parameters (the "master weights" the optimizer updates),
// activations, gradients, normalisation and losses. That is narrower than PyTorch, whose
// autocast also writes bf16 activations, and more accurate for it: the only rounding is that of
// the two operands of each product (8 significant bits). The choice is made when a forward op
// runs, and its backward products use the same precision, so backward() need not be inside the
// guard:
//
//   { minitorch::AutocastGuard bf16; loss = cross_entropy(model.forward(x), y); }
//   loss.backward();
//   optimizer.step();
namespace minitorch {

class AutocastGuard {
 public:
  explicit AutocastGuard(bool enabled = true);
  ~AutocastGuard();
  AutocastGuard(const AutocastGuard&) = delete;
  AutocastGuard& operator=(const AutocastGuard&) = delete;

 private:
  bool previous_;
};

// True inside an AutocastGuard(true) on this thread.
bool autocast_enabled();

}  // namespace minitorch
