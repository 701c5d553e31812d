#include "models/device_choice.hpp"

#include "minitorch/error.hpp"

namespace minitorch::models {

Device pick_device(const std::string& name) {
  MT_CHECK(name == "auto" || name == "cpu" || name == "cuda", "--device must be auto, cpu or cuda, got '", name, "'");
  if (name == "cpu") return kCPU;
  if (name == "cuda") {
    MT_CHECK(cuda::is_available(), "--device cuda: no CUDA device is available (", cuda::device_status(),
             "); use --device cpu");
    return kCUDA;
  }
  return cuda::is_available() ? kCUDA : kCPU;
}

}  // namespace minitorch::models
