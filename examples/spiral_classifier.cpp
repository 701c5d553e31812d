// The demo: a small MLP learns to separate three interleaved spirals, with minitorch's tensors
// and autograd only (no nn or optim yet: the layers and the SGD step are written out here).
//
//   ./build/examples/spiral_classifier [--steps N] [--seed S]
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "minitorch/minitorch.hpp"

using namespace minitorch;

namespace {

// Three spiral arms of `per_class` points each, with a little noise: x [3n, 2], labels [3n].
void make_spirals(int64_t per_class, Generator& gen, Tensor& x, Tensor& labels) {
  const int64_t n = 3 * per_class;
  std::vector<double> points(static_cast<size_t>(2 * n));
  std::vector<int64_t> classes(static_cast<size_t>(n));
  const auto noise = randn({n}, {.dtype = kFloat64}, &gen).to_vector<double>();
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t i = 0; i < per_class; ++i) {
      const int64_t k = c * per_class + i;
      const double r = double(i) / double(per_class);
      const double angle = 4.0 * r + 2.0943951 * double(c) + 0.2 * noise[size_t(k)];
      points[size_t(2 * k)] = r * std::sin(angle);
      points[size_t(2 * k + 1)] = r * std::cos(angle);
      classes[size_t(k)] = c;
    }
  x = tensor(points, {n, 2});
  labels = from_vector(classes, {n});
}

// A Linear layer's parameters with PyTorch's default init: U(-1/sqrt(in), 1/sqrt(in)).
Tensor uniform_param(const Shape& shape, int64_t fan_in, Generator& gen) {
  const double bound = 1.0 / std::sqrt(double(fan_in));
  Tensor p = empty(shape);
  uniform_(p, -bound, bound, &gen);
  return p.requires_grad_();
}

int64_t parse_flag(int argc, char** argv, const char* name, int64_t fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) {
      char* end = nullptr;
      const long long v = std::strtoll(argv[i + 1], &end, 10);
      if (!end || *end != '\0' || v <= 0) {
        std::fprintf(stderr, "spiral_classifier: %s expects a positive integer, got '%s'\n", name, argv[i + 1]);
        std::exit(2);
      }
      return v;
    }
  return fallback;
}

}  // namespace

int main(int argc, char** argv) try {
  const int64_t steps = parse_flag(argc, argv, "--steps", 600);
  const int64_t seed = parse_flag(argc, argv, "--seed", 7);
  Generator gen{static_cast<uint64_t>(seed)};
  Tensor x, labels;
  make_spirals(200, gen, x, labels);
  std::printf("minitorch demo: 3 spirals, %lld points, MLP 2-64-64-3 with GELU, SGD momentum 0.9, %d threads\n",
              (long long)x.size(0), get_num_threads());

  const int64_t hidden = 64;
  Tensors params = {uniform_param({hidden, 2}, 2, gen),           uniform_param({hidden}, 2, gen),
                    uniform_param({hidden, hidden}, hidden, gen), uniform_param({hidden}, hidden, gen),
                    uniform_param({3, hidden}, hidden, gen),      uniform_param({3}, hidden, gen)};
  Tensors velocity;
  for (const Tensor& p : params) velocity.push_back(zeros_like(p));
  auto forward = [&](const Tensor& input) {
    Tensor h = gelu(linear(input, params[0], params[1]));
    h = gelu(linear(h, params[2], params[3]));
    return linear(h, params[4], params[5]);
  };

  const double lr = 0.2, momentum = 0.9;
  double loss_value = 0;
  for (int64_t step = 1; step <= steps; ++step) {
    // Cross-entropy: mean over the batch of -log softmax(logits)[label].
    Tensor log_probs = log_softmax(forward(x), 1);
    Tensor loss = -mean(gather(log_probs, 1, labels.unsqueeze(1)));
    for (Tensor& p : params) p.zero_grad();
    loss.backward();
    {
      NoGradGuard no_grad;  // v = m v + g;  p -= lr v
      for (size_t i = 0; i < params.size(); ++i) {
        velocity[i].mul_(momentum).add_(params[i].grad());
        params[i].sub_(velocity[i] * lr);
      }
    }
    loss_value = loss.item();
    if (step == 1 || step % 100 == 0) std::printf("step %4lld  loss %.4f\n", (long long)step, loss_value);
  }
  NoGradGuard no_grad;
  const double accuracy = mean((argmax(forward(x), 1) == labels).to(kFloat32)).item();
  std::printf("final loss %.4f, training accuracy %.1f%% (chance: 33.3%%)\n", loss_value, 100 * accuracy);
  return accuracy > 0.9 ? 0 : 1;
} catch (const minitorch::Error& e) {
  std::fprintf(stderr, "spiral_classifier: %s\n", e.what());
  return 1;
}
