// Built instead of kernels/cuda/ when CUDA is off: asking for the GPU gives a clear error.
#include "kernels.hpp"
#include "minitorch/device.hpp"
#include "minitorch/error.hpp"

namespace minitorch {
namespace cuda {
bool is_available() { return false; }
int device_count() { return 0; }
std::string device_status() { return "minitorch was built without CUDA (no nvcc at configure time)"; }
void synchronize() {}
void set_allow_tf32(bool) {}
bool allow_tf32() { return false; }
bool cudnn_is_available() { return false; }
std::string cudnn_status() { return "not loaded: minitorch was built without CUDA"; }
MemoryInfo memory_info() { return {}; }
void reset_peak_memory() {}
void empty_cache() {}
void set_poison_allocations(bool) {}
}  // namespace cuda

namespace kernels {
Backend& cuda_backend() {
  detail::fail("cuda: minitorch was built without CUDA (no nvcc was found at configure time);",
               " rebuild with the CUDA toolkit installed to use device 'cuda'");
}
}  // namespace kernels
}  // namespace minitorch
