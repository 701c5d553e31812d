// ConvNeXt inference or a full training step (forward, cross-entropy, backward, Adam), timed.
//
//   ./build/bench/convnext_bench --mode infer|train --batch B --size S --threads T [--steps N]
//                                [--arch convnext_tiny] [--device cpu|cuda] [--tf32 0|1] [--amp none|bf16]
// Prints one line per timed step, then one JSON line: ms_per_img, images_per_s, gflops,
// peak_fma_gflops (CPU), peak_rss_mib, peak_tensor_mib (the device's) and the settings.
// tools/convnext_bench_torch.py measures PyTorch the same way. On the GPU each step ends with
// cuda::synchronize(), so the time is the kernels' and not only their launches'.
#include <sys/resource.h>

#include <algorithm>
#include <exception>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "cpu/cpu_backend.hpp"
#include "fma_peak.hpp"
#include "minitorch/minitorch.hpp"
#include "minitorch/optim/optimizer.hpp"
#include "models/convnext.hpp"

using namespace minitorch;

namespace {

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr, "convnext_bench: %s\nusage: convnext_bench --mode infer|train --batch B --size S --threads T"
                       " [--steps N] [--arch NAME] [--device cpu|cuda] [--tf32 0|1] [--amp none|bf16]\n", message.c_str());
  std::exit(2);
}

int64_t positive(const char* flag, const char* value) {
  char* end = nullptr;
  const long long v = std::strtoll(value, &end, 10);
  if (!end || *end || v <= 0) usage_error(std::string(flag) + " expects a positive integer, got '" + value + "'");
  return v;
}

}  // namespace

int main(int argc, char** argv) try {
  std::string mode = "infer", arch = "convnext_tiny", device_name = "cpu", amp = "none";
  bool tf32 = false;
  int64_t batch = 32, size = 224, threads = get_num_threads(), steps = 3;
  for (int i = 1; i < argc; i += 2) {
    if (i + 1 >= argc) usage_error(std::string("missing value after ") + argv[i]);
    const std::string flag = argv[i];
    if (flag == "--mode") mode = argv[i + 1];
    else if (flag == "--arch") arch = argv[i + 1];
    else if (flag == "--batch") batch = positive("--batch", argv[i + 1]);
    else if (flag == "--size") size = positive("--size", argv[i + 1]);
    else if (flag == "--threads") threads = positive("--threads", argv[i + 1]);
    else if (flag == "--steps") steps = positive("--steps", argv[i + 1]);
    else if (flag == "--device") device_name = argv[i + 1];
    else if (flag == "--tf32") tf32 = std::string(argv[i + 1]) == "1";
    else if (flag == "--amp") amp = argv[i + 1];
    else usage_error("unknown flag " + flag);
  }
  if (mode != "infer" && mode != "train") usage_error("--mode must be infer or train, got '" + mode + "'");
  if (device_name != "cpu" && device_name != "cuda") usage_error("--device must be cpu or cuda, got '" + device_name + "'");
  if (amp != "none" && amp != "bf16") usage_error("--amp must be none or bf16, got '" + amp + "'");
  const Device device = device_name == "cuda" ? kCUDA : kCPU;
  set_num_threads(int(threads));
  cuda::set_allow_tf32(tf32);
  manual_seed(0);
  models::ConvNeXt model(models::ConvNeXtConfig::by_name(arch));
  model.to(device);
  Tensor images = randn({batch, 3, size, size}, {.device = device});
  Tensor labels = randint(0, 1000, {batch, 1}).to(device);
  optim::Adam adam(model.parameters(), {.lr = 1e-4});
  const bool train = mode == "train";
  if (train) model.train();
  else model.eval();

  auto run_step = [&] {
    AutocastGuard autocast(amp == "bf16");  // bf16 matrix products, float32 master weights
    if (!train) {
      NoGradGuard no_grad;
      model.forward(images);
      return;
    }
    Tensor loss = -mean(gather(log_softmax(model.forward(images), 1), 1, labels));
    adam.zero_grad();
    loss.backward();
    adam.step();
  };
  if (device.is_cuda()) cuda::reset_peak_memory();
  std::vector<double> times;
  for (int64_t s = 0; s <= steps; ++s) {  // step 0 warms up (allocations, threads)
    const auto t0 = std::chrono::steady_clock::now();
    run_step();
    cuda::synchronize();
    const double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("%s step %lld: %.1f ms (%.1f ms/img)%s\n", mode.c_str(), (long long)s, sec * 1e3, sec * 1e3 / double(batch),
                s == 0 ? " warm-up" : "");
    if (s > 0) times.push_back(sec);
  }
  std::sort(times.begin(), times.end());
  const double t = times[times.size() / 2];
  // A training step is about three forward passes of work (forward, input and weight gradients).
  const double flops = 2.0 * model.forward_macs(size) * double(batch) * (train ? 3.0 : 1.0);
  const double peak = device.is_cpu() ? bench::measure_fma_peak_gflops(0.2) : 0;
  const double peak_tensor_bytes = device.is_cpu() ? double(kernels::cpu::memory_stats().peak_live_bytes)
                                                   : double(cuda::memory_info().peak_allocated);
  std::printf("{\"framework\":\"minitorch\",\"arch\":\"%s\",\"mode\":\"%s\",\"device\":\"%s\",\"tf32\":%d,"
              "\"amp\":\"%s\",\"batch\":%lld,\"size\":%lld,\"threads\":%lld,\"ms_per_img\":%.3f,\"images_per_s\":%.1f,"
              "\"gflops\":%.1f,\"peak_fma_gflops\":%.1f,\"peak_rss_mib\":%.0f,\"peak_tensor_mib\":%.0f}\n",
              arch.c_str(), mode.c_str(), device_name.c_str(), int(tf32), amp.c_str(), (long long)batch, (long long)size,
              (long long)threads, t * 1e3 / double(batch), double(batch) / t, flops / t / 1e9, peak, peak_rss_mib(),
              peak_tensor_bytes / (1 << 20));
} catch (const std::exception& e) {  // minitorch::Error, or running out of host memory
  std::fprintf(stderr, "convnext_bench: %s\n", e.what());
  return 1;
}
