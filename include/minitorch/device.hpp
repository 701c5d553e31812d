#pragma once
// Where a tensor's memory lives.
#include <cstddef>
#include <cstdint>
#include <string>

namespace minitorch {

enum class DeviceType : uint8_t { CPU, CUDA };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;

  constexpr Device() = default;
  constexpr Device(DeviceType t, int i = 0) : type(t), index(i) {}
  // "cpu", "cuda", "cuda:1"
  static Device parse(const std::string& name);

  bool is_cpu() const { return type == DeviceType::CPU; }
  bool is_cuda() const { return type == DeviceType::CUDA; }
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }
};

constexpr Device kCPU{DeviceType::CPU, 0};
constexpr Device kCUDA{DeviceType::CUDA, 0};

namespace cuda {
// True when minitorch was built with CUDA and a GPU can be used.
bool is_available();
int device_count();
// Why a GPU can or cannot be used: the device count, or the CUDA error that stood in the way (an
// old driver, say), or that minitorch was built without CUDA. For error messages.
std::string device_status();

// Waits until every kernel queued on the GPU has finished (for timing; copies to the host wait
// by themselves).
void synchronize();

// float32 matrix products on tensor cores in TF32 (10-bit mantissa inputs, float32 accumulate):
// several times faster, about 1e-3 relative error. Off by default, as in PyTorch.
void set_allow_tf32(bool allow);
bool allow_tf32();

// The depthwise convolutions (ConvNeXt's 7x7) have two GPU implementations: ours
// (kernels/depthwise_strips.hpp) and cuDNN's. Fastest, the default, times both on the first call
// of each shape and pass (forward, input gradient, weight gradient) and keeps the faster, as
// torch.backends.cudnn.benchmark does. Ours and Cudnn force one; cases cuDNN is not used for
// (types other than float32, padding not smaller than the kernel, empty tensors, 2^31 elements
// or more) take ours, and Cudnn without cuDNN loaded is an Error. Our
// kernels are deterministic, and cuDNN's algorithm is a deterministic one wherever it has one;
// but Fastest's choice rests on timings, so two runs may pick differently and round differently:
// force one engine for bit-identical runs.
enum class DepthwiseEngine { Fastest, Ours, Cudnn };
void set_depthwise_engine(DepthwiseEngine engine);
DepthwiseEngine depthwise_engine();
// "fastest", "ours", "cudnn" and back; an unknown name is an Error listing the three.
DepthwiseEngine parse_depthwise_engine(const std::string& name);
const char* depthwise_engine_name(DepthwiseEngine engine);

// cuDNN is optional: minitorch loads libcudnn.so.9 when it first needs it and, without it, runs
// our kernels. cudnn_status() says which version was loaded, or why none was.
bool cudnn_is_available();
std::string cudnn_status();

// The caching allocator's bytes: held by tensors now, the most held since the last reset, and
// freed blocks kept for reuse. empty_cache() returns the kept blocks to the driver.
struct MemoryInfo {
  size_t allocated = 0, peak_allocated = 0, cached = 0;
};
MemoryInfo memory_info();
void reset_peak_memory();
void empty_cache();

// Tests: fill every block the allocator hands out with NaN bytes (0xFF), so that elements a
// kernel forgets to write show up as NaN instead of as stale numbers.
void set_poison_allocations(bool poison);
}  // namespace cuda

}  // namespace minitorch
