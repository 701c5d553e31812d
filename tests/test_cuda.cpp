// The CUDA backend against its CPU twin: every op ConvNeXt training uses, forward and backward,
// on random inputs with odd shapes, broadcasting and non-contiguous views; then a whole
// ConvNeXt train step. Fresh device memory is filled with NaN bytes first (poisoning), so an
// element a kernel forgot to write shows as NaN. Exits with 77 (ctest: skipped) without a GPU.
//
// With MINITORCH_TEST_CUDA_ON_CPU=1 (ctest: cuda_dry_run) the "GPU" twin of every comparison is
// the CPU as well, and the cases about CUDA itself (memory, pinned copies, cuDNN) are skipped. No
// CUDA kernel runs then: what it checks is the tests (shapes, expected values, tolerances), on
// every machine, so that a mistake in a test does not wait for a GPU to show.
#define DOCTEST_CONFIG_IMPLEMENT
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "helpers.hpp"
#include "models/convnext.hpp"

using namespace mt;

namespace {

bool cpu_dry_run() {
  static const bool on = [] {
    const char* v = std::getenv("MINITORCH_TEST_CUDA_ON_CPU");
    return v != nullptr && std::string(v) == "1";
  }();
  return on;
}
// Where the "GPU" twins live: the GPU, or the CPU in a dry run.
const Device kGpu = cpu_dry_run() ? kCPU : kCUDA;

// The largest |value| of a CPU tensor, for an absolute tolerance that scales with the data.
double max_abs(const Tensor& t) {
  double m = 0;
  for (double v : t.to(kCPU).to_vector<double>()) m = std::max(m, std::abs(v));
  return m;
}

// CHECK |gpu - cpu| <= rtol (|cpu| + max|cpu|), elementwise: relative error rtol, measured
// against the tensor's scale where an element is near zero. A NaN on the GPU where the CPU has a
// number (an element left poisoned) fails.
void check_twin(const Tensor& gpu, const Tensor& cpu, double rtol, const std::string& what) {
  CAPTURE(what);
  REQUIRE(gpu.device() == kGpu);
  const Tensor expected = cpu.to(kFloat64);
  check_close(gpu.to(kCPU).to(kFloat64), expected, rtol, rtol * max_abs(expected) + 1e-30);
}

// Runs f on float32 CPU leaves and on CUDA copies of them, compares the outputs, then
// backpropagates the same random weights through both and compares every input gradient.
void check_op(const std::string& what, const std::function<Tensor(const Tensors&)>& f, const Tensors& inputs,
              double rtol = 1e-5) {
  Tensors cpu, gpu;
  for (const Tensor& x : inputs) {
    const bool grad = x.dtype() == kFloat32;
    Tensor c = x.detach().contiguous();
    Tensor g = x.detach().to(kGpu);
    if (grad) c.requires_grad_(), g.requires_grad_();
    cpu.push_back(c);
    gpu.push_back(g);
  }
  const Tensor out_cpu = f(cpu), out_gpu = f(gpu);
  REQUIRE(out_gpu.shape() == out_cpu.shape());
  check_twin(out_gpu, out_cpu, rtol, what + ": forward");
  if (!out_cpu.requires_grad()) return;
  Generator gen(77);
  const Tensor w = randn(out_cpu.shape(), {}, &gen);
  sum(out_cpu * w).backward();
  sum(out_gpu * w.to(out_gpu.dtype()).to(kGpu)).backward();
  for (size_t i = 0; i < cpu.size(); ++i) {
    if (!cpu[i].requires_grad() || !cpu[i].grad().defined()) continue;
    REQUIRE_MESSAGE(gpu[i].grad().defined(), what << ": input " << i << " got no gradient on cuda");
    check_twin(gpu[i].grad(), cpu[i].grad(), rtol, what + ": gradient of input " + std::to_string(i));
  }
}

Tensor uniform(const Shape& shape, uint64_t seed, double lo = -2, double hi = 2) {
  Generator gen(seed);
  return rand(shape, {}, &gen) * (hi - lo) + lo;
}

// Runs the depthwise convolutions through one engine while alive.
struct EngineGuard {
  explicit EngineGuard(cuda::DepthwiseEngine engine) : saved(cuda::depthwise_engine()) {
    cuda::set_depthwise_engine(engine);
  }
  ~EngineGuard() { cuda::set_depthwise_engine(saved); }
  cuda::DepthwiseEngine saved;
};

// The engines a depthwise convolution can run through here: cuDNN's only where it was loaded.
std::vector<cuda::DepthwiseEngine> depthwise_engines() {
  std::vector<cuda::DepthwiseEngine> engines{cuda::DepthwiseEngine::Ours, cuda::DepthwiseEngine::Fastest};
  if (cuda::cudnn_is_available()) engines.push_back(cuda::DepthwiseEngine::Cudnn);
  return engines;
}

// A depthwise k x k convolution of the NHWC input [n, h, w, c] (weight, bias: seeds + 1, + 2),
// through each engine.
void check_depthwise(const std::string& what, const Shape& x_shape, int64_t k, int64_t stride, int64_t pad,
                     uint64_t seed) {
  const int64_t c = x_shape[3];
  for (cuda::DepthwiseEngine engine : depthwise_engines()) {
    const EngineGuard use(engine);
    check_op(what + " (engine " + cuda::depthwise_engine_name(engine) + ")",
             [=](const Tensors& v) {
               return conv2d(v[0], v[1], v[2], {.stride = {stride, stride}, .padding = {pad, pad}, .groups = c});
             },
             {uniform(x_shape, seed), uniform({c, 1, k, k}, seed + 1), uniform({c}, seed + 2)});
  }
}

// A small ConvNeXt (convnext_atto, 6 classes) seeded with `seed`, and its copy on the GPU.
models::ConvNeXtConfig small_convnext() {
  models::ConvNeXtConfig config = models::ConvNeXtConfig::by_name("convnext_atto");
  config.num_classes = 6;
  return config;
}
struct TwinConvNeXt {
  explicit TwinConvNeXt(uint64_t seed) : cpu((manual_seed(seed), small_convnext())), gpu(small_convnext()) {
    gpu.load_state_dict(cpu.state_dict());
    gpu.to(kGpu);
  }
  // Every parameter's gradient on the GPU against the CPU's; master weights stay float32.
  void check_gradients(double rtol) {
    const auto cpu_params = cpu.named_parameters(), gpu_params = gpu.named_parameters();
    REQUIRE(cpu_params.size() == gpu_params.size());
    for (size_t i = 0; i < cpu_params.size(); ++i) {
      REQUIRE(gpu_params[i].second.dtype() == kFloat32);
      check_twin(gpu_params[i].second.grad(), cpu_params[i].second.grad(), rtol, "gradient of " + cpu_params[i].first);
    }
  }
  // Gives the GPU's parameters the CPU's gradients (once check_gradients has compared them), so
  // that the two optimizers step from the same numbers. Adam's first step moves a weight by about
  // lr * sign(g): a gradient within rounding of zero, whose sign the two devices may disagree on,
  // would set the twins 2 lr apart and hide what the comparison is for, the GPU's update.
  void share_gradients() {
    const auto cpu_params = cpu.parameters(), gpu_params = gpu.parameters();
    for (size_t i = 0; i < cpu_params.size(); ++i) {
      gpu_params[i].grad().copy_(cpu_params[i].grad());
      REQUIRE(max(abs(gpu_params[i].grad().to(kCPU) - cpu_params[i].grad())).item() == 0);
    }
  }
  models::ConvNeXt cpu, gpu;
};

struct Poisoned {
  Poisoned() { cuda::set_poison_allocations(true); }
  ~Poisoned() { cuda::set_poison_allocations(false); }
};

}  // namespace

TEST_CASE("host <-> device round trip, errors name the device" * doctest::skip(cpu_dry_run())) {
  Tensor h = arange(0, 1000).reshape({10, 100});
  Tensor d = h.to(kGpu);
  CHECK(d.device().is_cuda());
  CHECK(d.to(kCPU).to_vector<float>() == h.to_vector<float>());
  Tensor z = zeros({7}, {.device = kGpu});
  CHECK(z.to(kCPU).to_vector<float>() == std::vector<float>(7, 0.f));
  CHECK(z.str() == "tensor([0., 0., 0., 0., 0., 0., 0.], device='cuda:0')");
  CHECK_THROWS_WITH_FRAGMENT(h + d, "one device");
  // Non-contiguous device views copy back in order.
  CHECK(d.t().to(kCPU).to_vector<float>() == h.t().contiguous().to_vector<float>());
}

TEST_CASE("pinned host memory: asynchronous copies, blocks reused only after their copies" * doctest::skip(cpu_dry_run())) {
  const Tensor h = arange(0, 1000).reshape({10, 100});
  const Tensor pinned = h.pin_memory();
  CHECK(pinned.is_pinned());
  CHECK_FALSE(h.is_pinned());
  CHECK(pinned.pin_memory().is_pinned());
  CHECK(pinned.to_vector<float>() == h.to_vector<float>());
  CHECK(pinned.to(kGpu, true).to(kCPU).to_vector<float>() == h.to_vector<float>());
  CHECK_THROWS_WITH_AS(zeros({2}, {.device = kGpu}).pin_memory(), doctest::Contains("only CPU tensors"), Error);
  const Tensor leaf = h.detach().requires_grad_();
  sum(leaf.pin_memory() * 2.0).backward();  // pinning is differentiable, as in torch
  CHECK(leaf.grad().to_vector<float>() == std::vector<float>(1000, 2.f));

  // A 64 MiB copy takes milliseconds: if its pinned block were handed out again before the copy
  // had read it, writing the new tensor would change what arrives on the GPU.
  const int64_t n = int64_t(16) << 20;
  Tensor device_copy;
  {
    Tensor source = empty({n}, {.pin_memory = true});
    source.fill_(1.0);
    device_copy = source.to(kGpu, true);
  }  // source released while its copy may still be queued
  Tensor reused = empty({n}, {.pin_memory = true});
  reused.fill_(2.0);
  CHECK(sum(device_copy).item() == double(n));
  CHECK(sum(reused).item() == 2.0 * double(n));
}

TEST_CASE("the caching allocator reuses blocks and reports its bytes" * doctest::skip(cpu_dry_run())) {
  cuda::empty_cache();
  const auto before = cuda::memory_info();
  {
    Tensor a = empty({1 << 20}, {.device = kGpu});  // 4 MiB
    CHECK(cuda::memory_info().allocated >= before.allocated + (4u << 20));
  }
  CHECK(cuda::memory_info().cached >= (4u << 20));
  Tensor b = empty({1 << 20}, {.device = kGpu});  // served from the cache
  CHECK(cuda::memory_info().cached == before.cached);
  cuda::empty_cache();
  CHECK(cuda::memory_info().cached == 0);
}

TEST_CASE("dtype conversions and strided copies") {
  Poisoned poison;
  const Tensor x = uniform({5, 7, 3}, 1, -100, 100);
  for (DType t : {kFloat64, kBFloat16, kFloat16, kInt64}) {
    CAPTURE(dtype_name(t));
    check_twin(x.to(kGpu).to(t), x.to(t), 0, "convert");
    check_twin(x.to(t).to(kGpu).to(kFloat32), x.to(t).to(kFloat32), 0, "convert back");
  }
  check_twin(x.to(kGpu).permute({2, 0, 1}).contiguous(), x.permute({2, 0, 1}).contiguous(), 0, "permute");
  check_twin(x.to(kGpu).slice(1, 2, 7, 2).contiguous(), x.slice(1, 2, 7, 2).contiguous(), 0, "slice");
  check_twin((x.to(kGpu) > 0.0).to(kFloat32), (x > 0.0).to(kFloat32), 0, "compare");
}

TEST_CASE("elementwise ops with broadcasting, forward and backward") {
  Poisoned poison;
  const Tensor a = uniform({3, 5, 7}, 2), b = uniform({5, 1}, 3), c = uniform({7}, 4, 0.5, 2);
  check_op("add", [](const Tensors& v) { return v[0] + v[1]; }, {a, b});
  check_op("sub", [](const Tensors& v) { return v[0] - v[1]; }, {a, b});
  check_op("mul", [](const Tensors& v) { return v[0] * v[1]; }, {a, b});
  check_op("div", [](const Tensors& v) { return v[0] / v[1]; }, {a, c});
  check_op("pow", [](const Tensors& v) { return pow(v[1], v[0]); }, {a, c});
  check_op("maximum", [](const Tensors& v) { return maximum(v[0], v[1]); }, {a, b});
  {  // relu keeps NaN and passes its gradient, on both devices
    const Tensor n = tensor({NAN, -1, 2}).to(kGpu).requires_grad_();
    const Tensor y = relu(n);
    sum(y).backward();
    CHECK(std::isnan(y.to(kCPU).to_vector<double>()[0]));
    CHECK(n.grad().to(kCPU).to_vector<double>() == std::vector<double>{1, 0, 1});
  }
  check_op("minimum", [](const Tensors& v) { return minimum(v[0], v[1]); }, {a, b});
  check_op("where", [](const Tensors& v) { return where(v[0] > 0.0, v[0], v[1]); }, {a, b});
  check_op("transposed operand", [](const Tensors& v) { return v[0].transpose(0, 2) * v[1]; }, {a, uniform({7, 5, 3}, 5)});
  check_op("scalar ops", [](const Tensors& v) { return (v[0] * 3.0 + 1.5) / 2.0 - 0.25; }, {a});
  const Tensor x = uniform({4, 33}, 6, -4, 4);
  check_op("neg", [](const Tensors& v) { return -v[0]; }, {x});
  check_op("abs", [](const Tensors& v) { return abs(v[0]); }, {x});
  check_op("exp", [](const Tensors& v) { return exp(v[0]); }, {x});
  check_op("log", [](const Tensors& v) { return log(v[0]); }, {c});
  check_op("sqrt", [](const Tensors& v) { return sqrt(v[0]); }, {c});
  check_op("rsqrt", [](const Tensors& v) { return rsqrt(v[0]); }, {c});
  check_op("tanh", [](const Tensors& v) { return tanh(v[0]); }, {x});
  check_op("sigmoid", [](const Tensors& v) { return sigmoid(v[0]); }, {x});
  check_op("relu", [](const Tensors& v) { return relu(v[0]); }, {x});
  check_op("erf", [](const Tensors& v) { return erf(v[0]); }, {x});
  check_op("gelu", [](const Tensors& v) { return gelu(v[0]); }, {x});
  check_op("gelu tanh", [](const Tensors& v) { return gelu(v[0], true); }, {x});
  check_op("clamp", [](const Tensors& v) { return clamp(v[0], -1, 2); }, {x});
  check_op("pow scalar", [](const Tensors& v) { return pow(v[0], 3.0); }, {x});
}

TEST_CASE("reductions, softmax and cross-entropy") {
  Poisoned poison;
  const Tensor x = uniform({6, 5, 9}, 10);
  check_op("sum all", [](const Tensors& v) { return sum(v[0]); }, {x});
  check_op("sum dims", [](const Tensors& v) { return sum(v[0], {0, 2}); }, {x});
  check_op("mean keepdim", [](const Tensors& v) { return mean(v[0], {1}, true); }, {x});
  check_op("var", [](const Tensors& v) { return var(v[0], {2}); }, {x});
  check_op("amax", [](const Tensors& v) { return amax(v[0], {1}); }, {x});
  check_op("amin", [](const Tensors& v) { return amin(v[0], {0}); }, {x});
  const Tensor long_rows = uniform({3, 10000}, 11);  // the block-per-row path
  check_op("long rows sum", [](const Tensors& v) { return sum(v[0], {1}); }, {long_rows});
  check_op("long rows max", [](const Tensors& v) { return amax(v[0], {1}); }, {long_rows});
  check_op("column sums", [](const Tensors& v) { return sum(v[0], {0}); }, {uniform({3001, 37}, 12)});
  check_op("long rows var", [](const Tensors& v) { return var(v[0], {1}); }, {long_rows});
  CHECK(argmax(long_rows.to(kGpu), 1).to(kCPU).to_vector<int64_t>() == argmax(long_rows, 1).to_vector<int64_t>());
  CHECK(argmin(x.to(kGpu), 2).to(kCPU).to_vector<int64_t>() == argmin(x, 2).to_vector<int64_t>());
  // Ties give the first index; NaN wins (PyTorch's rules), on both row paths.
  const double nan = std::nan("");
  for (int64_t cols : {4, 5000}) {
    Tensor t = zeros({3, cols});
    t[0][1].fill_(3.0), t[0][2].fill_(3.0), t[1][2].fill_(nan), t[1][cols - 1].fill_(nan);
    CAPTURE(cols);
    CHECK(argmax(t.to(kGpu), 1).to(kCPU).to_vector<int64_t>() == std::vector<int64_t>{1, 2, 0});
    CHECK(argmin(t.to(kGpu), 1).to(kCPU).to_vector<int64_t>() == argmin(t, 1).to_vector<int64_t>());
  }
  // A few very long rows are cut into slices, one block each, merged in order (a whole-tensor
  // sum is one such row); the last slice of 300001 is partial.
  const Tensor split_rows = uniform({2, 300001}, 17);
  check_op("split rows sum", [](const Tensors& v) { return sum(v[0], {1}); }, {split_rows});
  check_op("split rows mean", [](const Tensors& v) { return mean(v[0], {1}); }, {split_rows});
  check_op("split rows var", [](const Tensors& v) { return var(v[0], {1}); }, {split_rows});
  check_op("split rows amin", [](const Tensors& v) { return amin(v[0], {1}); }, {split_rows});
  check_op("whole-tensor sum", [](const Tensors& v) { return sum(v[0]); }, {uniform({1024, 2049}, 18)});
  CHECK(argmax(split_rows.to(kGpu), 1).to(kCPU).to_vector<int64_t>() == argmax(split_rows, 1).to_vector<int64_t>());
  {  // ties and NaN in different slices: the first occurrence wins
    Tensor t = zeros({3, 200000});
    t[0][70000].fill_(3.0), t[0][150000].fill_(3.0), t[1][50000].fill_(nan), t[1][190000].fill_(nan);
    CHECK(argmax(t.to(kGpu), 1).to(kCPU).to_vector<int64_t>() == std::vector<int64_t>{70000, 50000, 0});
    CHECK(argmin(t.to(kGpu), 1).to(kCPU).to_vector<int64_t>() == argmin(t, 1).to_vector<int64_t>());
  }
  // Integer reductions (the 64-bit shuffles), on the per-row, block-per-row and sliced paths.
  for (const Shape& shape : {Shape{6, 9}, Shape{3, 10000}, Shape{2, 300001}}) {
    CAPTURE(shape.size());
    const Tensor big = uniform(shape, 19, -1e6, 1e6).to(kInt64), bytes = uniform(shape, 20, 0, 255).to(kUInt8);
    check_op("int64 sum", [](const Tensors& v) { return sum(v[0], {1}); }, {big});
    check_op("int64 amax", [](const Tensors& v) { return amax(v[0], {1}); }, {big});
    check_op("uint8 amin", [](const Tensors& v) { return amin(v[0], {1}); }, {bytes});
    check_op("uint8 sum", [](const Tensors& v) { return sum(v[0], {1}); }, {bytes});
  }
  check_op("softmax", [](const Tensors& v) { return softmax(v[0], 1); }, {uniform({7, 1000}, 13, -8, 8)});
  check_op("log_softmax", [](const Tensors& v) { return log_softmax(v[0], 0); }, {uniform({6, 9}, 14)});
  const Tensor target = tensor({0, 5, 2, 2, 1, 3, 4}, {7}, {.dtype = kInt64});
  check_op("cross_entropy", [](const Tensors& v) { return cross_entropy(v[0], v[1]); }, {uniform({7, 6}, 15), target});
  check_op("cross_entropy smoothing",
           [](const Tensors& v) {
             CrossEntropyOptions smoothing;
             smoothing.label_smoothing = 0.1;
             return cross_entropy(v[0], v[1], smoothing);
           },
           {uniform({7, 6}, 16), target});
}

TEST_CASE("matrix products through cuBLAS") {
  Poisoned poison;
  check_op("mm", [](const Tensors& v) { return mm(v[0], v[1]); }, {uniform({33, 65}, 20), uniform({65, 17}, 21)});
  check_op("mm transposed", [](const Tensors& v) { return mm(v[0].t(), v[1].t()); },
           {uniform({65, 33}, 22), uniform({17, 65}, 23)});
  check_op("bmm broadcast", [](const Tensors& v) { return matmul(v[0], v[1]); },
           {uniform({4, 9, 12}, 24), uniform({12, 5}, 25)});
  check_op("linear", [](const Tensors& v) { return linear(v[0], v[1], v[2]); },
           {uniform({2, 7, 96}, 26), uniform({384, 96}, 27), uniform({384}, 28)});
  check_op("mlp_gelu", [](const Tensors& v) { return mlp_gelu(v[0], v[1], v[2], v[3], v[4]); },
           {uniform({50, 24}, 29), uniform({96, 24}, 30, -0.3, 0.3), uniform({96}, 31), uniform({24, 96}, 32, -0.3, 0.3),
            uniform({24}, 33)});
  // TF32 is opt-in and about 1e-3 relative.
  struct Tf32On {
    Tf32On() { cuda::set_allow_tf32(true); }
    ~Tf32On() { cuda::set_allow_tf32(false); }
  } tf32;
  check_op("mm tf32", [](const Tensors& v) { return mm(v[0], v[1]); }, {uniform({64, 256}, 34), uniform({256, 64}, 35)},
           5e-3);
}

TEST_CASE("bf16 autocast: bf16 tensor-core products with float32 accumulation match the CPU's") {
  Poisoned poison;
  // Both devices round the same float32 operands to the same bf16 values, whose products are
  // exact in float32: single products agree as closely as float32 ones. In the MLP the order of
  // the float32 sums can flip the rounding of the hidden activation, by 2^-7 of an element.
  auto autocast = [](std::function<Tensor(const Tensors&)> f) {
    return [f](const Tensors& v) {
      AutocastGuard bf16;
      return f(v);  // backward runs outside the guard, with the precision chosen here
    };
  };
  check_op("linear autocast", autocast([](const Tensors& v) { return linear(v[0], v[1], v[2]); }),
           {uniform({2, 7, 96}, 40), uniform({384, 96}, 41), uniform({384}, 42)});
  check_op("mlp_gelu autocast", autocast([](const Tensors& v) { return mlp_gelu(v[0], v[1], v[2], v[3], v[4]); }),
           {uniform({50, 24}, 43), uniform({96, 24}, 44, -0.3, 0.3), uniform({96}, 45),
            uniform({24, 96}, 46, -0.3, 0.3), uniform({24}, 47)},
           1e-2);
  check_op("bmm autocast", autocast([](const Tensors& v) { return matmul(v[0], v[1].transpose(1, 2)); }),
           {uniform({4, 9, 12}, 48), uniform({4, 5, 12}, 49)});
  check_op("patchify autocast", autocast([](const Tensors& v) { return conv2d(v[0], v[1], v[2], {.stride = {2, 2}}); }),
           {uniform({2, 8, 6, 5}, 50), uniform({7, 5, 2, 2}, 51), uniform({7}, 52)});
  // And the GPU did read bf16 operands: its autocast product differs from its float32 one.
  const Tensor x = uniform({2, 7, 96}, 40).to(kGpu), w = uniform({384, 96}, 41).to(kGpu);
  Tensor bf16_product;
  {
    AutocastGuard bf16;
    bf16_product = linear(x, w);
  }
  const Tensor fp32_product = linear(x, w);
  CHECK(max(abs(bf16_product - fp32_product)).item() / max(abs(fp32_product)).item() > 1e-4);
}

TEST_CASE("LayerNorm, depthwise and dense convolutions over NHWC") {
  Poisoned poison;
  for (int64_t channels : {37, 96, 768}) {
    CAPTURE(channels);
    check_op("layer_norm", [](const Tensors& v) { return layer_norm(v[0], v[1], v[2], 1e-6); },
             {uniform({3, 5, channels}, 40), uniform({channels}, 41), uniform({channels}, 42)});
  }
  check_op("layer_norm without affine", [](const Tensors& v) { return layer_norm(v[0], Tensor(), Tensor()); },
           {uniform({11, 13}, 43)});
  check_depthwise("depthwise 7x7", {2, 9, 11, 37}, 7, 1, 3, 44);
  // Stride 1 and square kernels take the register-strip kernels: strips cut by the row's end, a
  // weight gradient summed over chunks of several rows (768 channels, 224 rows), 5x5 padding 1,
  // padding beyond the kernel. Stride 2 takes the one-thread-per-element kernels.
  check_depthwise("depthwise 7x7, 56-wide rows", {2, 5, 56, 96}, 7, 1, 3, 56);
  check_depthwise("depthwise 7x7, many rows", {8, 28, 7, 768}, 7, 1, 3, 59);
  check_depthwise("depthwise 5x5 padding 1", {1, 7, 16, 3}, 5, 1, 1, 62);
  check_depthwise("depthwise 3x3 padding 3 (beyond the kernel)", {2, 4, 5, 4}, 3, 1, 3, 65);
  check_depthwise("depthwise 3x3 stride 2", {1, 8, 7, 5}, 3, 2, 1, 47);
  check_depthwise("depthwise 7x7 stride 2 padding 2", {2, 13, 12, 24}, 7, 2, 2, 68);
  check_op("patchify 4x4 stride 4", [](const Tensors& v) { return conv2d(v[0], v[1], v[2], {.stride = {4, 4}}); },
           {uniform({2, 16, 12, 3}, 50), uniform({24, 3, 4, 4}, 51), uniform({24}, 52)});
  check_op("dense 3x3 stride 2 padding 1 (im2col)",
           [](const Tensors& v) { return conv2d(v[0], v[1], v[2], {.stride = {2, 2}, .padding = {1, 1}}); },
           {uniform({2, 9, 7, 6}, 53), uniform({10, 6, 3, 3}, 54), uniform({10}, 55)});
}

TEST_CASE("the depthwise engines: cuDNN when loaded, ours for what it cannot run, an error when forced without it" * doctest::skip(cpu_dry_run())) {
  Poisoned poison;
  MESSAGE("cuDNN: " << cuda::cudnn_status());
  const Tensor x = uniform({2, 14, 14, 32}, 70).to(kGpu), w = uniform({32, 1, 7, 7}, 71).to(kGpu);
  const Conv2dOptions same{.padding = {3, 3}, .groups = 32};
  const EngineGuard use(cuda::DepthwiseEngine::Cudnn);
  if (cuda::cudnn_is_available()) {
    // The forced engine and ours agree on a ConvNeXt-like stage (the weight-gradient pass too).
    const Tensor xg = x.detach().requires_grad_(), wg = w.detach().requires_grad_();
    const Tensor y = conv2d(xg, wg, Tensor(), same);
    sum(y * y).backward();
    {
      const EngineGuard ours(cuda::DepthwiseEngine::Ours);
      const Tensor xo = x.detach().requires_grad_(), wo = w.detach().requires_grad_();
      const Tensor yo = conv2d(xo, wo, Tensor(), same);
      sum(yo * yo).backward();
      check_twin(y, yo.to(kCPU), 1e-5, "forward");
      check_twin(xg.grad(), xo.grad().to(kCPU), 1e-5, "input gradient");
      check_twin(wg.grad(), wo.grad().to(kCPU), 1e-5, "weight gradient");
    }
    {  // With TF32 allowed, cuDNN plans in its default math mode (1e-3 relative at most).
      cuda::set_allow_tf32(true);
      const Tensor xt = x.detach().requires_grad_(), wt = w.detach().requires_grad_();
      const Tensor yt = conv2d(xt, wt, Tensor(), same);
      sum(yt * yt).backward();
      cuda::set_allow_tf32(false);
      check_twin(yt, y.to(kCPU), 2e-3, "forward, TF32 allowed");
      check_twin(xt.grad(), xg.grad().to(kCPU), 2e-3, "input gradient, TF32 allowed");
      check_twin(wt.grad(), wg.grad().to(kCPU), 2e-3, "weight gradient, TF32 allowed");
    }
    // An empty batch, which cuDNN does not take, runs ours: a zero weight gradient.
    const Tensor empty_batch = zeros({0, 14, 14, 32}, {.device = kGpu}).requires_grad_();
    const Tensor we = w.detach().requires_grad_();
    sum(conv2d(empty_batch, we, Tensor(), same)).backward();
    CHECK(max(abs(we.grad())).item() == 0);
    // cuDNN takes float32 only: float64 runs ours, against the CPU.
    const Tensor y64 = conv2d(x.to(kFloat64), w.to(kFloat64), Tensor(), same);
    check_twin(y64, conv2d(x.to(kCPU).to(kFloat64), w.to(kCPU).to(kFloat64), Tensor(), same), 1e-12, "float64");
  } else {
    CHECK_THROWS_WITH_FRAGMENT(conv2d(x, w, Tensor(), same), "cudnn engine");
  }
}

TEST_CASE("indexing") {
  Poisoned poison;
  const Tensor idx = tensor({2, 0, 2, 1}, {4}, {.dtype = kInt64});
  check_op("index_select", [](const Tensors& v) { return index_select(v[0], 1, v[1]); }, {uniform({3, 4, 5}, 60), idx});
  check_op("index_add", [](const Tensors& v) { return index_add(v[0], 0, v[1], v[2]); },
           {uniform({3, 6}, 61), idx, uniform({4, 6}, 62)});
  const Tensor gidx = tensor({0, 2, 1, 1, 0, 2}, {3, 2}, {.dtype = kInt64});
  check_op("gather", [](const Tensors& v) { return gather(v[0], 1, v[1]); }, {uniform({3, 4}, 63), gidx});
  check_op("scatter_add", [](const Tensors& v) { return scatter_add(v[0], 1, v[1], v[2]); },
           {uniform({3, 4}, 64), gidx, uniform({3, 2}, 65)});
  // Every numeric dtype adds. Bytes wrap modulo 256 (on the GPU by a compare-and-swap on the word
  // that holds them, so neighbouring bytes must survive); 16-bit floats round at each add, in an
  // order that differs between the atomics and the CPU loop.
  const auto bytes = [](const Shape& shape, uint64_t seed) { return uniform(shape, seed, 0, 255).to(kUInt8); };
  check_op("index_add uint8", [](const Tensors& v) { return index_add(v[0], 0, v[1], v[2]); },
           {bytes({3, 6}, 66), idx, bytes({4, 6}, 67)});
  check_op("scatter_add uint8", [](const Tensors& v) { return scatter_add(v[0], 1, v[1], v[2]); },
           {bytes({3, 4}, 68), gidx, bytes({3, 2}, 69)});
  check_op("index_add bfloat16", [](const Tensors& v) { return index_add(v[0], 0, v[1], v[2]); },
           {uniform({3, 6}, 61).to(kBFloat16), idx, uniform({4, 6}, 62).to(kBFloat16)}, 1e-2);
  check_op("index_add float16", [](const Tensors& v) { return index_add(v[0], 0, v[1], v[2]); },
           {uniform({3, 6}, 61).to(kFloat16), idx, uniform({4, 6}, 62).to(kFloat16)}, 1e-2);
  const auto integers = [](const Shape& shape, uint64_t seed) { return uniform(shape, seed, -1e6, 1e6).to(kInt64); };
  check_op("index_add int64", [](const Tensors& v) { return index_add(v[0], 0, v[1], v[2]); },
           {integers({3, 6}, 71), idx, integers({4, 6}, 72)});
  // Strided views on the GPU (check_op's inputs are contiguous): a transposed source and index,
  // and a source larger than the index, whose extra elements are not read.
  check_op("gather from a transposed view", [](const Tensors& v) { return gather(v[0].transpose(0, 1), 1, v[1]); },
           {uniform({4, 3}, 73), gidx});
  check_op("gather with a transposed index",
           [](const Tensors& v) { return gather(v[0], 1, v[1].transpose(0, 1)); },
           {uniform({2, 4}, 74), tensor({0, 3, 1, 2, 2, 0}, {3, 2}, {.dtype = kInt64})});
  check_op("scatter_add from a larger, transposed source",
           [](const Tensors& v) { return scatter_add(v[0], 1, v[1], v[2].transpose(0, 1)); },
           {uniform({3, 4}, 75), gidx, uniform({5, 3}, 76)});
}

TEST_CASE("random numbers are the CPU's numbers") {
  Generator a(9), b(9);
  CHECK(rand({1001}, {.device = kGpu}, &a).to(kCPU).to_vector<float>() == rand({1001}, {}, &b).to_vector<float>());
  // a + (b - a) * u must round twice on both sides (no fused multiply-add), or float64 draws
  // from an interval other than [0, 1) differ in the last bit.
  Tensor gpu_uniform = zeros({1001}, {.dtype = kFloat64, .device = kGpu}), cpu_uniform = zeros({1001}, {.dtype = kFloat64});
  uniform_(gpu_uniform, -0.1, 0.3, &a);
  uniform_(cpu_uniform, -0.1, 0.3, &b);
  CHECK(gpu_uniform.to(kCPU).to_vector<double>() == cpu_uniform.to_vector<double>());
  CHECK(randint(-7, 5, {1001}, {.dtype = kInt64, .device = kGpu}, &a).to(kCPU).to_vector<int64_t>() ==
        randint(-7, 5, {1001}, {.dtype = kInt64}, &b).to_vector<int64_t>());
  // Normal draws go through log and cos, which CUDA rounds within an ulp or two of glibc.
  check_close(randn({77}, {.dtype = kFloat64, .device = kGpu}, &a).to(kCPU), randn({77}, {.dtype = kFloat64}, &b),
              1e-13, 1e-13);
  // The truncated normal inverts erf, whose slope amplifies an ulp of CUDA's erf in the tails.
  Tensor gpu_trunc = zeros({501}, {.dtype = kFloat64, .device = kGpu}), cpu_trunc = zeros({501}, {.dtype = kFloat64});
  trunc_normal_(gpu_trunc, 0.5, 2.0, -1.0, 3.0, &a);
  trunc_normal_(cpu_trunc, 0.5, 2.0, -1.0, 3.0, &b);
  check_close(gpu_trunc.to(kCPU), cpu_trunc, 1e-11, 1e-11);
}

TEST_CASE("SGD with momentum, Nesterov and weight decay") {
  Poisoned poison;
  Tensor cpu = uniform({1000}, 90).requires_grad_(), gpu = cpu.detach().to(kGpu).requires_grad_();
  optim::SGD cpu_opt({cpu}, {.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
  optim::SGD gpu_opt({gpu}, {.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
  for (int step = 0; step < 3; ++step) {
    const Tensor w = uniform({1000}, 91 + step);
    cpu_opt.zero_grad(), gpu_opt.zero_grad();
    sum(cpu * cpu * w).backward();
    sum(gpu * gpu * w.to(kGpu)).backward();
    cpu_opt.step(), gpu_opt.step();
  }
  check_twin(gpu.detach(), cpu.detach(), 1e-6, "parameters after 3 steps");
}

TEST_CASE("a ConvNeXt train step on the GPU matches the CPU's: loss, gradients, updated weights") {
  Poisoned poison;
  TwinConvNeXt twins(3);
  models::ConvNeXt &cpu_model = twins.cpu, &gpu_model = twins.gpu;
  const Tensor images = uniform({4, 3, 64, 64}, 80);
  const Tensor labels = tensor({0, 5, 3, 1}, {4}, {.dtype = kInt64});
  optim::AdamW cpu_opt(cpu_model.parameters(), {.lr = 1e-3, .weight_decay = 0.05});
  optim::AdamW gpu_opt(gpu_model.parameters(), {.lr = 1e-3, .weight_decay = 0.05});
  for (int step = 0; step < 2; ++step) {
    CAPTURE(step);
    const Tensor cpu_loss = cross_entropy(cpu_model.forward(images), labels);
    const Tensor gpu_loss = cross_entropy(gpu_model.forward(images.to(kGpu)), labels.to(kGpu));
    check_twin(gpu_loss, cpu_loss, 1e-5, "loss");
    cpu_opt.zero_grad();
    gpu_opt.zero_grad();
    cpu_loss.backward();
    gpu_loss.backward();
    twins.check_gradients(1e-4);
    twins.share_gradients();
    cpu_opt.step();
    gpu_opt.step();
  }
  const auto cpu_state = cpu_model.state_dict(), gpu_state = gpu_model.state_dict();
  REQUIRE(cpu_state.size() == gpu_state.size());
  for (size_t i = 0; i < cpu_state.size(); ++i) {
    REQUIRE(gpu_state[i].first == cpu_state[i].first);
    check_twin(gpu_state[i].second, cpu_state[i].second, 1e-4, "updated " + cpu_state[i].first);
  }
}

TEST_CASE("a ConvNeXt step under bf16 autocast on the GPU matches the CPU's: loss and gradients") {
  Poisoned poison;
  TwinConvNeXt twins(4);
  models::ConvNeXt &cpu_model = twins.cpu, &gpu_model = twins.gpu;
  const Tensor images = uniform({4, 3, 64, 64}, 81);
  const Tensor labels = tensor({2, 0, 4, 1}, {4}, {.dtype = kInt64});
  Tensor cpu_loss, gpu_loss;
  {
    AutocastGuard bf16;
    cpu_loss = cross_entropy(cpu_model.forward(images), labels);
    gpu_loss = cross_entropy(gpu_model.forward(images.to(kGpu)), labels.to(kGpu));
  }
  check_twin(gpu_loss, cpu_loss, 1e-3, "loss");
  {  // the GPU step did use bf16: its logits differ from float32 ones (eval: no random drops)
    NoGradGuard no_grad;
    gpu_model.eval();
    const Tensor fp32_logits = gpu_model.forward(images.to(kGpu));
    Tensor bf16_logits;
    {
      AutocastGuard bf16;
      bf16_logits = gpu_model.forward(images.to(kGpu));
    }
    CHECK(max(abs(bf16_logits - fp32_logits)).item() / max(abs(fp32_logits)).item() > 1e-4);
    gpu_model.train();
  }
  cpu_loss.backward();
  gpu_loss.backward();
  twins.check_gradients(1e-2);
}

int main(int argc, char** argv) {
  if (cpu_dry_run()) {
    std::printf("dry run on the CPU (MINITORCH_TEST_CUDA_ON_CPU=1): checks the tests, runs no CUDA kernel\n");
  } else if (!cuda::is_available()) {
    std::printf("SKIPPED: no CUDA device is available (%s)\n", cuda::device_status().c_str());
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
