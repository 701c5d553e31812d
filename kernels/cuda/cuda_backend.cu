// The CUDA backend: device memory and copies, plus the kernels written so far. Kernels this
// backend lacks fall back to Backend's defaults, which throw an Error naming the kernel.
#include <cstdint>

#include "check.cuh"
#include "kernels.hpp"

namespace minitorch {

namespace cuda {
int device_count() {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no device" error
    return 0;
  }
  return count;
}
bool is_available() { return device_count() > 0; }
}  // namespace cuda

namespace kernels {

namespace {

template <class T>
__global__ void fill_contiguous(T* out, int64_t n, T value) {
  const int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) out[i] = value;
}

bool contiguous(const Strided& s) {
  int64_t expected = 1;
  for (int d = s.ndim - 1; d >= 0; --d) {
    if (s.shape[d] != 1 && s.strides[d] != expected) return false;
    expected *= s.shape[d];
  }
  return true;
}

class CudaBackend final : public Backend {
 public:
  const char* name() const override { return "cuda"; }

  void* allocate(size_t nbytes) override {
    void* p = nullptr;
    MT_CUDA_CHECK(cudaMalloc(&p, nbytes == 0 ? 1 : nbytes));
    return p;
  }
  void deallocate(void* ptr, size_t) override { cudaFree(ptr); }
  void copy_from_host(void* dst, const void* src, size_t nbytes) override {
    MT_CUDA_CHECK(cudaMemcpy(dst, src, nbytes, cudaMemcpyHostToDevice));
  }
  void copy_to_host(void* dst, const void* src, size_t nbytes) override {
    MT_CUDA_CHECK(cudaMemcpy(dst, src, nbytes, cudaMemcpyDeviceToHost));
  }

  void fill(DType t, const Strided& out, double value) override {
    MT_CHECK(contiguous(out), "fill: the cuda kernel needs a contiguous tensor");
    const int64_t n = out.numel();
    if (n == 0) return;
    const int threads = 256;
    const unsigned blocks = unsigned((n + threads - 1) / threads);
    switch (t) {
      case DType::Float32: fill_contiguous<<<blocks, threads>>>(static_cast<float*>(out.data), n, float(value)); break;
      case DType::Float64: fill_contiguous<<<blocks, threads>>>(static_cast<double*>(out.data), n, value); break;
      case DType::Int64: fill_contiguous<<<blocks, threads>>>(static_cast<int64_t*>(out.data), n, int64_t(value)); break;
      default: detail::fail("fill: the cuda kernel supports float32, float64 and int64, got ", dtype_name(t));
    }
    MT_CUDA_CHECK(cudaGetLastError());
  }

  void copy(DType dst_t, const Strided& dst, DType src_t, const Strided& src) override {
    MT_CHECK(dst_t == src_t && contiguous(dst) && contiguous(src), "copy: the cuda kernel copies contiguous tensors",
             " of one dtype only (got ", dtype_name(src_t), " -> ", dtype_name(dst_t), ")");
    MT_CUDA_CHECK(cudaMemcpy(dst.data, src.data, size_t(dst.numel()) * dtype_size(dst_t), cudaMemcpyDeviceToDevice));
  }
};

}  // namespace

Backend& cuda_backend() {
  MT_CHECK(cuda::is_available(), "cuda: no CUDA device is available (cudaGetDeviceCount found none)");
  static CudaBackend instance;
  return instance;
}

}  // namespace kernels
}  // namespace minitorch
