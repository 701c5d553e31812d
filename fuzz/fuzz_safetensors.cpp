// libFuzzer target for the safetensors reader: any input must give a StateDict or a
// minitorch::Error (build as described in fuzz_pth.cpp; seed with tests/fixtures/io/*.safetensors).
#include <cstdint>

#include "minitorch/io/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    minitorch::SafetensorsMetadata metadata;
    minitorch::parse_safetensors(data, size, "fuzz.safetensors", &metadata);
  } catch (const minitorch::Error&) {
  }
  return 0;
}
