#include "minitorch/device.hpp"

#include <cstdlib>

#include "minitorch/error.hpp"

namespace minitorch {

Device Device::parse(const std::string& name) {
  if (name == "cpu") return kCPU;
  if (name == "cuda") return kCUDA;
  if (name.rfind("cuda:", 0) == 0) {
    const std::string index = name.substr(5);
    char* end = nullptr;
    const long i = std::strtol(index.c_str(), &end, 10);
    MT_CHECK(!index.empty() && end && *end == '\0' && i >= 0 && i < 1024, "device: invalid device name '", name,
             "' (expected cpu, cuda or cuda:N)");
    return Device(DeviceType::CUDA, int(i));
  }
  detail::fail("device: invalid device name '", name, "' (expected cpu, cuda or cuda:N)");
}

}  // namespace minitorch
