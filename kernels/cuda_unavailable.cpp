// Built instead of kernels/cuda/ when CUDA is off: asking for the GPU gives a clear error.
#include "kernels.hpp"
#include "minitorch/error.hpp"

namespace minitorch {
namespace cuda {
bool is_available() { return false; }
int device_count() { return 0; }
}  // namespace cuda

namespace kernels {
Backend& cuda_backend() {
  detail::fail("cuda: minitorch was built without CUDA (no nvcc was found at configure time);",
               " rebuild with the CUDA toolkit installed to use device 'cuda'");
}
}  // namespace kernels
}  // namespace minitorch
