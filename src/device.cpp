#include "minitorch/device.hpp"

#include <atomic>
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

namespace cuda {

namespace {
std::atomic<DepthwiseEngine> depthwise_engine_setting{DepthwiseEngine::Fastest};
}  // namespace

void set_depthwise_engine(DepthwiseEngine engine) { depthwise_engine_setting = engine; }
DepthwiseEngine depthwise_engine() { return depthwise_engine_setting; }

DepthwiseEngine parse_depthwise_engine(const std::string& name) {
  for (DepthwiseEngine e : {DepthwiseEngine::Fastest, DepthwiseEngine::Ours, DepthwiseEngine::Cudnn})
    if (name == depthwise_engine_name(e)) return e;
  detail::fail("depthwise engine: unknown name '", name, "' (expected fastest, ours or cudnn)");
}

const char* depthwise_engine_name(DepthwiseEngine engine) {
  switch (engine) {
    case DepthwiseEngine::Ours: return "ours";
    case DepthwiseEngine::Cudnn: return "cudnn";
    case DepthwiseEngine::Fastest: break;
  }
  return "fastest";
}

}  // namespace cuda

}  // namespace minitorch
