// GEMM throughput on ConvNeXt-Tiny's pointwise-convolution shapes (batch 32), forward and the
// two backward products, next to the machine's measured FMA peak.
//
//   ./build/bench/gemm_bench [--threads T] [--repeats R] [--bf16]
// prints a table and ends with one JSON line per shape. --bf16: bfloat16 operands with a float32
// result, as under autocast (the AVX512_BF16 kernel where the build has it).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fma_peak.hpp"
#include "kernels.hpp"
#include "minitorch/minitorch.hpp"

using namespace minitorch;

namespace {

struct Case {
  const char* name;
  int64_t m, n, k;
  bool trans_a, trans_b;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int repeats = 5;
  bool bf16 = false;
  for (int i = 1; i < argc; ++i) if (!std::strcmp(argv[i], "--bf16")) bf16 = true;
  for (int i = 1; i + 1 < argc; ++i) {
    if (!std::strcmp(argv[i], "--threads")) set_num_threads(std::atoi(argv[i + 1]));
    if (!std::strcmp(argv[i], "--repeats")) repeats = std::max(1, std::atoi(argv[i + 1]));
  }
  const int64_t m1 = 32 * 56 * 56, m3 = 32 * 14 * 14;
  // Y[M, N] = X[M, K] W^T (W stored [N, K] as nn.Linear); dX = dY W; dW = dY^T X.
  const std::vector<Case> cases = {
      {"stage1 fwd  X W^T", m1, 384, 96, false, true},
      {"stage1 dX   dY W", m1, 96, 384, false, false},
      {"stage1 dW   dY^T X", 384, 96, m1, true, false},
      {"stage3 fwd  X W^T", m3, 1536, 384, false, true},
      {"stage3 dX   dY W", m3, 384, 1536, false, false},
      {"stage3 dW   dY^T X", 1536, 384, m3, true, false},
  };
  const double peak = bench::measure_fma_peak_gflops();
  std::printf("threads %d, measured fp32 FMA peak %.0f GFLOP/s, operands %s\n", get_num_threads(), peak,
              bf16 ? "bfloat16" : "float32");
  std::printf("%-20s %8s %6s %8s %10s %8s %7s\n", "case", "M", "N", "K", "ms", "GFLOP/s", "% peak");
  std::string json;
  for (const Case& c : cases) {
    Generator gen(1);
    Tensor a = randn({c.trans_a ? c.k : c.m, c.trans_a ? c.m : c.k}, {}, &gen);
    Tensor b = randn({c.trans_b ? c.n : c.k, c.trans_b ? c.k : c.n}, {}, &gen);
    if (bf16) a = a.to(kBFloat16), b = b.to(kBFloat16);
    Tensor out = empty({c.m, c.n});
    kernels::GemmArgs g;
    g.trans_a = c.trans_a;
    g.trans_b = c.trans_b;
    g.m = c.m;
    g.n = c.n;
    g.k = c.k;
    g.a = a.raw_data();
    g.lda = a.size(1);
    g.b = b.raw_data();
    g.ldb = b.size(1);
    g.c = out.raw_data();
    g.ldc = c.n;
    g.bf16_operands = bf16;
    std::vector<double> times;
    for (int r = 0; r <= repeats; ++r) {  // the first run warms caches and threads
      const auto t0 = std::chrono::steady_clock::now();
      kernels::cpu_backend().gemm(kFloat32, g);
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      if (r > 0) times.push_back(s);
    }
    const double t = median(times), gflops = 2.0 * double(c.m) * double(c.n) * double(c.k) / t / 1e9;
    std::printf("%-20s %8lld %6lld %8lld %10.2f %8.1f %6.1f%%\n", c.name, (long long)c.m, (long long)c.n,
                (long long)c.k, t * 1e3, gflops, 100 * gflops / peak);
    char line[256];
    std::snprintf(line, sizeof line,
                  "{\"case\":\"%s\",\"operands\":\"%s\",\"m\":%lld,\"n\":%lld,\"k\":%lld,\"ms\":%.3f,\"gflops\":%.1f,\"peak_gflops\":%.1f}\n",
                  c.name, bf16 ? "bf16" : "fp32", (long long)c.m, (long long)c.n, (long long)c.k, t * 1e3, gflops, peak);
    json += line;
  }
  std::fputs(json.c_str(), stdout);
}
