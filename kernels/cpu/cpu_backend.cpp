// CPU memory: 64-byte aligned (one cache line, one AVX-512 register) so SIMD loads never split.
#include "cpu_backend.hpp"

#include <cstdlib>
#include <cstring>

namespace minitorch::kernels {

namespace cpu {

constexpr size_t kAlignment = 64;

void* CpuBackend::allocate(size_t nbytes) {
  const size_t rounded = (nbytes + kAlignment - 1) / kAlignment * kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
  MT_CHECK(p != nullptr, "allocate: out of memory allocating ", nbytes, " bytes on the cpu");
  return p;
}
void CpuBackend::deallocate(void* ptr) { std::free(ptr); }
void CpuBackend::copy_from_host(void* dst, const void* src, size_t nbytes) { std::memcpy(dst, src, nbytes); }
void CpuBackend::copy_to_host(void* dst, const void* src, size_t nbytes) { std::memcpy(dst, src, nbytes); }

}  // namespace cpu

Backend& cpu_backend() {
  static cpu::CpuBackend instance;
  return instance;
}

}  // namespace minitorch::kernels
