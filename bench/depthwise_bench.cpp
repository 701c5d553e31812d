// The depthwise 7x7 convolution of each ConvNeXt-Tiny stage (padding 3, NHWC), forward and
// backward (input, weight and bias gradients), timed; tools/depthwise_bench_torch.py times
// PyTorch's (cuDNN on the GPU, channels_last) on the same shapes. On the GPU --engine picks the
// implementation: ours, cudnn (cuDNN called by minitorch) or fastest (the default: the faster
// of the two per pass, as chosen on the first call).
//
//   ./build/bench/depthwise_bench [--device cpu|cuda] [--batch 128] [--steps 5] [--repeat R]
//                                 [--engine fastest|ours|cudnn]
// Prints one JSON line per stage: its shape and the median forward and backward milliseconds.
// Each timed sample runs the pass R times (default 10 on the GPU, 1 on the CPU) before one
// synchronisation, so that a late stage's tens of microseconds are not lost in launch overhead.
#include <algorithm>
#include <exception>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "minitorch/minitorch.hpp"

using namespace minitorch;

namespace {

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "depthwise_bench: %s\nusage: depthwise_bench [--device cpu|cuda] [--batch B] [--steps N] "
               "[--repeat R] [--engine fastest|ours|cudnn]\n",
               message.c_str());
  std::exit(2);
}

// Median seconds per run of fn over `steps` samples (after one warm-up sample), each sample
// `repeat` runs ended by one device sync.
template <class Fn>
double median_seconds(int64_t steps, int64_t repeat, Fn fn) {
  std::vector<double> times;
  for (int64_t s = 0; s <= steps; ++s) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int64_t r = 0; r < repeat; ++r) fn();
    cuda::synchronize();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s > 0) times.push_back(seconds / double(repeat));
  }
  std::sort(times.begin(), times.end());
  return times[times.size() / 2];
}

}  // namespace

int main(int argc, char** argv) try {
  std::string device_name = "cuda", engine = "fastest";
  int64_t batch = 128, steps = 5, repeat = -1;  // -1: the device's default
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) usage_error(std::string("missing value after ") + argv[i]);
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--device") device_name = value;
    else if (flag == "--batch") batch = std::atoll(value.c_str());
    else if (flag == "--steps") steps = std::atoll(value.c_str());
    else if (flag == "--repeat") repeat = std::atoll(value.c_str());
    else if (flag == "--engine") engine = value;
    else usage_error("unknown flag " + flag);
  }
  if (device_name != "cpu" && device_name != "cuda") usage_error("--device must be cpu or cuda, got '" + device_name + "'");
  if (repeat == -1) repeat = device_name == "cuda" ? 10 : 1;
  if (batch <= 0 || steps <= 0 || repeat <= 0) usage_error("--batch, --steps and --repeat must be positive");
  try {
    cuda::set_depthwise_engine(cuda::parse_depthwise_engine(engine));
  } catch (const Error& e) {
    usage_error(std::string("--engine: ") + e.what());
  }
  if (device_name == "cpu" && engine != "fastest") usage_error("--engine is for --device cuda");
  const Device device = device_name == "cuda" ? kCUDA : kCPU;
  if (device_name == "cuda") std::fprintf(stderr, "depthwise_bench: cuDNN: %s\n", cuda::cudnn_status().c_str());
  struct Stage {
    int64_t size, channels;
  };
  for (Stage st : {Stage{56, 96}, Stage{28, 192}, Stage{14, 384}, Stage{7, 768}}) {
    const TensorOptions on{.device = device};
    const Tensor x = randn({batch, st.size, st.size, st.channels}, on).requires_grad_();
    const Tensor w = (randn({st.channels, 1, 7, 7}, on) * 0.1).detach().requires_grad_();
    const Tensor b = zeros({st.channels}, on).requires_grad_();
    const Tensor gy = randn({batch, st.size, st.size, st.channels}, on);
    const Conv2dOptions same{.padding = {3, 3}, .groups = st.channels};
    const double forward = median_seconds(steps, repeat, [&] {
      NoGradGuard no_grad;
      conv2d(x, w, b, same);
    });
    const Tensor y = conv2d(x, w, b, same);
    const double backward = median_seconds(steps, repeat, [&] {
      for (const Tensor& t : {x, w, b}) t.impl()->grad.reset();  // timed without the accumulation
      y.backward(gy, /*retain_graph=*/true);
    });
    std::printf("{\"framework\":\"minitorch\",\"engine\":\"%s\",\"device\":\"%s\",\"batch\":%lld,"
                "\"size\":%lld,\"channels\":%lld,\"forward_ms\":%.3f,\"backward_ms\":%.3f}\n",
                device_name == "cuda" ? engine.c_str() : "cpu", device_name.c_str(), (long long)batch,
                (long long)st.size, (long long)st.channels, forward * 1e3, backward * 1e3);
  }
} catch (const std::exception& e) {  // minitorch::Error, or running out of host memory
  std::fprintf(stderr, "depthwise_bench: %s\n", e.what());
  return 1;
}
