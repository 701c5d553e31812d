#pragma once
// Define-by-run autograd. Every differentiable op, when one of its inputs requires grad, records
// a Node: the op's name, an edge to the node of each input, and a closure that maps the gradient
// of the op's output to the gradients of its inputs. backward() walks that graph from the output
// in dependency order and adds up the gradients reaching each leaf in its .grad.
//
// The closure is the op's backward formula; it owns the tensors it saved, so releasing the
// closure after backward frees them. Backward formulas are written with ops themselves and run
// with grad mode off.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "minitorch/tensor.hpp"

namespace minitorch {

using Tensors = std::vector<Tensor>;
using BackwardFn = std::function<Tensors(const Tensor& grad_output)>;

struct Node {
  std::string name;                          // "MulBackward0", as PyTorch names them
  std::vector<std::shared_ptr<Node>> next;   // per input: its node (null if it needs no grad)
  std::vector<Shape> input_shapes;           // per input: the shape its gradient must have
  std::vector<DType> input_dtypes;
  BackwardFn backward;                       // null once released
  std::shared_ptr<TensorImpl> leaf;          // set for AccumulateGrad nodes only
  bool released = false;

  bool is_accumulator() const { return leaf != nullptr; }
  // Releases the graph behind this node with a loop, not one nested destructor per node: a
  // chain of 200,000 ops (`total = total + loss` in a long loop) would overflow the stack.
  ~Node();
};

// Grad mode: when off, ops record nothing (inference, optimizer steps, backward formulas).
class GradMode {
 public:
  static bool enabled();
  static void set_enabled(bool on);
};

// Turns grad mode off for its lifetime:  { NoGradGuard no_grad; ... }
class NoGradGuard {
 public:
  NoGradGuard() : previous_(GradMode::enabled()) { GradMode::set_enabled(false); }
  ~NoGradGuard() { GradMode::set_enabled(previous_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool previous_;
};

// A tensor saved for backward, with the version of its storage at save time: reading it after an
// in-place write changed it raises an Error instead of returning a wrong gradient.
class SavedTensor {
 public:
  SavedTensor() = default;
  explicit SavedTensor(const Tensor& t);
  Tensor get() const;

 private:
  Tensor tensor_;
  uint64_t version_ = 0;
};

// Records `out` as the result of op `name` applied to `inputs` (a no-op when grad mode is off or
// no input requires grad) and returns it. backward must return one gradient per input (an
// undefined Tensor where there is none).
Tensor record(const char* name, const Tensors& inputs, Tensor out, BackwardFn backward);

// True when recording an op on these inputs would build graph.
bool any_requires_grad(const Tensors& inputs);

// Runs backpropagation from `root` with d(root) = `gradient`.
void run_backward(const Tensor& root, const Tensor& gradient, bool retain_graph);

// Throws when an in-place op would modify a tensor autograd needs (`op` names the op).
void check_inplace(const Tensor& t, const char* op);

}  // namespace minitorch
