// The autograd engine: recording nodes and running backward.
#include "minitorch/autograd.hpp"

#include <unordered_map>

#include "internal.hpp"
#include "minitorch/ops/creation.hpp"
#include "minitorch/ops/elementwise.hpp"

namespace minitorch {

namespace {
thread_local bool grad_mode_enabled = true;

// What the outermost ~Node still has to release: the nodes and closures (whose saved tensors
// hold nodes too) of the nodes released inside it. A plain pointer, so that it needs no
// destruction of its own when a thread or the program ends.
struct PendingRelease {
  std::vector<std::shared_ptr<Node>> nodes;
  std::vector<BackwardFn> closures;
};
thread_local PendingRelease* pending_release = nullptr;
}  // namespace

Node::~Node() {
  BackwardFn closure;
  closure.swap(backward);
  if (pending_release) {  // inside an outer ~Node: hand over, do not recurse
    for (auto& n : next)
      if (n) pending_release->nodes.push_back(std::move(n));
    if (closure) pending_release->closures.push_back(std::move(closure));
    return;
  }
  PendingRelease pending{std::move(next), {}};
  pending.closures.push_back(std::move(closure));
  pending_release = &pending;
  while (!pending.nodes.empty() || !pending.closures.empty()) {
    if (!pending.closures.empty()) {
      BackwardFn released = std::move(pending.closures.back());
      pending.closures.pop_back();
    } else {
      std::shared_ptr<Node> released = std::move(pending.nodes.back());
      pending.nodes.pop_back();
    }  // `released` goes here; a node it was the last owner of hands its own edges over
  }
  pending_release = nullptr;
}

bool GradMode::enabled() { return grad_mode_enabled; }
void GradMode::set_enabled(bool on) { grad_mode_enabled = on; }

SavedTensor::SavedTensor(const Tensor& t) : tensor_(t.defined() ? t.detach() : t) {
  if (t.defined()) version_ = t.storage()->version();
}

Tensor SavedTensor::get() const {
  if (tensor_.defined())
    MT_CHECK(tensor_.storage()->version() == version_,
             "backward: a tensor saved for the gradient (shape ", shape_str(tensor_.shape()),
             ") was modified by an in-place op after it was saved");
  return tensor_;
}

bool any_requires_grad(const Tensors& inputs) {
  if (!GradMode::enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

namespace {

// The node that receives the gradient of `t`: its grad_fn, or its leaf accumulator.
std::shared_ptr<Node> gradient_edge(const Tensor& t) {
  if (!t.defined() || !t.requires_grad()) return nullptr;
  if (t.grad_fn()) return t.grad_fn();
  TensorImpl* impl = t.impl();
  auto acc = impl->grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<Node>();
    acc->name = "AccumulateGrad";
    acc->leaf = t.impl_ptr();
    impl->grad_accumulator = acc;
  }
  return acc;
}

}  // namespace

Tensor record(const char* name, const Tensors& inputs, Tensor out, BackwardFn backward) {
  if (!any_requires_grad(inputs)) return out;
  auto node = std::make_shared<Node>();
  node->name = name;
  for (const Tensor& t : inputs) {
    node->next.push_back(gradient_edge(t));
    node->input_shapes.push_back(t.defined() ? t.shape() : Shape{});
    node->input_dtypes.push_back(t.defined() ? t.dtype() : kFloat32);
  }
  node->backward = std::move(backward);
  out.impl()->grad_fn = std::move(node);
  out.impl()->requires_grad = true;
  return out;
}

void check_inplace(const Tensor& t, const char* op) {
  if (!GradMode::enabled() || !t.requires_grad()) return;
  MT_CHECK(!t.is_leaf(), op, ": a leaf tensor that requires grad cannot be modified in place",
           " (wrap the update in NoGradGuard, as optimizers do)");
  detail::fail(op, ": in-place ops on a tensor that is part of a graph (made by ", t.grad_fn()->name,
               ") are not supported; use the out-of-place op");
}

namespace {

void accumulate_into_leaf(Node& acc, const Tensor& g) {
  TensorImpl& leaf = *acc.leaf;
  if (!leaf.grad) {
    // Own a fresh contiguous copy: g may be shared with other gradients or be a broadcast view.
    leaf.grad = g.clone().impl_ptr();
  } else {
    Tensor(leaf.grad).add_(g);
  }
}

}  // namespace

void run_backward(const Tensor& root, const Tensor& gradient, bool retain_graph) {
  MT_CHECK(root.requires_grad(), "backward: the tensor does not require grad and has no grad_fn",
           " (no input of the ops that made it requires grad, or it came from a non-differentiable op)");
  Tensor grad = gradient;
  if (!grad.defined()) {
    MT_CHECK(root.numel() == 1, "backward: a gradient can be created implicitly only for one-element outputs; ",
             "this output has shape ", shape_str(root.shape()), ", pass the gradient explicitly");
    grad = ones_like(root);
  }
  MT_CHECK(grad.shape() == root.shape(), "backward: gradient of shape ", shape_str(grad.shape()),
           " does not match the output's shape ", shape_str(root.shape()));
  MT_CHECK(grad.device() == root.device(), "backward: gradient on ", grad.device().str(), ", output on ",
           root.device().str());
  MT_CHECK(is_floating(grad.dtype()), "backward: the gradient must be a floating point tensor, got ",
           dtype_name(grad.dtype()));
  NoGradGuard no_grad;
  grad = grad.to(root.dtype());

  std::shared_ptr<Node> start = gradient_edge(root);
  // Count, for every node, how many edges point at it from nodes reachable from the root.
  std::unordered_map<Node*, int> dependencies;
  std::vector<Node*> stack{start.get()};
  std::unordered_map<Node*, bool> visited{{start.get(), true}};
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    for (const auto& next : node->next) {
      if (!next) continue;
      ++dependencies[next.get()];
      if (!visited[next.get()]) {
        visited[next.get()] = true;
        stack.push_back(next.get());
      }
    }
  }

  // Process nodes once all gradients flowing into them have arrived (Kahn's order).
  std::unordered_map<Node*, Tensor> pending{{start.get(), grad}};
  std::vector<Node*> ready{start.get()};
  while (!ready.empty()) {
    Node* node = ready.back();
    ready.pop_back();
    Tensor g = std::move(pending[node]);
    pending.erase(node);
    if (node->is_accumulator()) {
      accumulate_into_leaf(*node, g);
      continue;
    }
    MT_CHECK(!node->released, "backward: trying to backward through ", node->name,
             " a second time; its saved tensors were freed after the first backward (pass retain_graph = true",
             " to the first call to keep them)");
    Tensors input_grads = node->backward(g);
    MT_CHECK(input_grads.size() == node->next.size(), "backward: ", node->name, " returned ", input_grads.size(),
             " gradients for ", node->next.size(), " inputs");
    if (!retain_graph) {
      node->backward = nullptr;  // frees the tensors the closure saved
      node->released = true;
    }
    for (size_t i = 0; i < node->next.size(); ++i) {
      Node* next = node->next[i].get();
      if (!next) continue;
      Tensor& gi = input_grads[i];
      if (gi.defined()) {
        MT_CHECK(gi.shape() == node->input_shapes[i], "backward: ", node->name, " produced a gradient of shape ",
                 shape_str(gi.shape()), " for input ", i, " of shape ", shape_str(node->input_shapes[i]));
        if (gi.dtype() != node->input_dtypes[i]) gi = gi.to(node->input_dtypes[i]);
        Tensor& slot = pending[next];
        slot = slot.defined() ? slot + gi : gi;
      }
      if (--dependencies[next] == 0) {
        if (pending.count(next) && pending[next].defined()) {
          ready.push_back(next);
        } else {
          pending.erase(next);
          // No gradient reached this node: it still counts as visited for the nodes below it.
          std::vector<Node*> skip{next};
          while (!skip.empty()) {
            Node* s = skip.back();
            skip.pop_back();
            for (const auto& n2 : s->next)
              if (n2 && --dependencies[n2.get()] == 0) {
                if (pending.count(n2.get()) && pending[n2.get()].defined()) ready.push_back(n2.get());
                else skip.push_back(n2.get());
              }
          }
        }
      }
    }
  }
}

}  // namespace minitorch
