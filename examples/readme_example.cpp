// The example from README.md, built and run by the tests so that it stays correct.
#include <minitorch/minitorch.hpp>
#include <iostream>
using namespace minitorch;

int main() {
  manual_seed(0);
  Tensor x = randn({64, 3});                               // inputs
  Tensor y = x.matmul(tensor({1.5, -2, 0.5}, {3, 1})) + 1.0; // targets of a linear rule
  Tensor w = zeros({3, 1}, {.requires_grad = true});
  Tensor b = zeros({1}, {.requires_grad = true});
  for (int step = 0; step < 200; ++step) {
    Tensor loss = mean(pow(x.matmul(w) + b - y, 2.0));
    w.zero_grad(); b.zero_grad();
    loss.backward();
    NoGradGuard no_grad;                                    // the update is not part of the graph
    w.sub_(w.grad() * 0.1);
    b.sub_(b.grad() * 0.1);
    if (step % 50 == 0) std::cout << "loss " << loss.item() << "\n";
  }
  std::cout << w.t() << "\n" << b << "\n";                  // printed as PyTorch prints
}
