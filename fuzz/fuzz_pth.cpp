// libFuzzer target for the .pth reader: any input must give a StateDict or a minitorch::Error.
// Inputs that start with PROTO (0x80) are also run as a bare data.pkl, with storages served from
// a fixed buffer: inside an archive the CRC check would stop almost every change to the pickle.
//
//   cmake -S . -B build-fuzz -DMINITORCH_FUZZ=ON -DCMAKE_CXX_COMPILER=clang++ -DMINITORCH_CUDA=OFF
//   cmake --build build-fuzz --target fuzz_pth && build-fuzz/fuzz/fuzz_pth -max_total_time=60 CORPUS_DIR
// (seed the corpus with tests/fixtures/io/*.pth and their data.pkl entries).
#include <cstdint>
#include <span>
#include <vector>

#include "../src/io/torch_unpickler.hpp"
#include "minitorch/io/pth.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    minitorch::parse_pth(data, size, "fuzz.pth");
  } catch (const minitorch::Error&) {
  }
  if (size > 0 && data[0] == 0x80) {
    static const std::vector<uint8_t> storage(4096, 0);  // every key: 4096 zero bytes
    const minitorch::internal::StorageSource source = [](const std::string&) {
      return std::span<const uint8_t>(storage);
    };
    try {
      minitorch::internal::unpickle_state_dict({data, size}, source, 1 << 24, "fuzz.pth");
    } catch (const minitorch::Error&) {
    }
  }
  return 0;
}
