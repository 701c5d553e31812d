#pragma once
// Temporary kernel memory (packed GEMM panels, padded images) from the CPU backend's block cache:
// large fresh allocations would otherwise cost a page fault per 4 KiB page on every call.
#include <cstddef>

#include "kernels.hpp"

namespace minitorch::kernels::cpu {

class Scratch {
 public:
  explicit Scratch(size_t floats) : bytes_(floats * sizeof(float)), data_(cpu_backend().allocate(bytes_)) {}
  ~Scratch() { cpu_backend().deallocate(data_, bytes_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  Scratch(Scratch&& other) noexcept : bytes_(other.bytes_), data_(other.data_) { other.data_ = nullptr; other.bytes_ = 0; }
  float* data() const { return static_cast<float*>(data_); }

 private:
  size_t bytes_;
  void* data_;
};

}  // namespace minitorch::kernels::cpu
