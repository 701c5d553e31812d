// The CUDA backend's memory: a caching allocator on plain cudaMalloc, the stream every kernel
// runs on, host <-> device copies, and the public cuda:: functions. The kernels live in the
// other files of this folder, one family per file.
#include <atomic>
#include <map>
#include <mutex>
#include <unordered_map>

#include "common.cuh"
#include "minitorch/device.hpp"

namespace minitorch {
namespace kernels::cuda_impl {

namespace {

// Freed blocks are kept by size and handed out again, because cudaMalloc and cudaFree are slow
// and synchronise the device. Sizes are rounded (512 bytes under 1 MiB, 2 MiB above) so that the
// same shapes of every training step find their blocks again. When cudaMalloc runs out, every
// cached block is freed and the allocation is tried once more.
class CachingAllocator {
 public:
  void* allocate(size_t nbytes) {
    const size_t size = rounded(nbytes);
    std::lock_guard<std::mutex> lock(mutex_);
    // The smallest cached block that fits, unless it would waste more than half of itself.
    auto it = free_.lower_bound(size);
    if (it != free_.end() && it->first <= 2 * size) {
      void* p = it->second;
      cached_bytes_ -= it->first;
      allocated_bytes_ += it->first;
      peak_bytes_ = std::max(peak_bytes_, allocated_bytes_);
      free_.erase(it);
      return poisoned(p, size);
    }
    void* p = nullptr;
    cudaError_t status = cudaMalloc(&p, size);
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      release_cached_locked();
      status = cudaMalloc(&p, size);
    }
    if (status != cudaSuccess) {
      cudaGetLastError();
      detail::fail("cuda: cudaMalloc of ", size, " bytes failed: ", cudaGetErrorName(status), " (",
                   cudaGetErrorString(status), "); minitorch holds ", allocated_bytes_, " bytes in tensors");
    }
    sizes_[p] = size;
    allocated_bytes_ += size;
    peak_bytes_ = std::max(peak_bytes_, allocated_bytes_);
    return poisoned(p, size);
  }

  std::atomic<bool> poison{false};

  void deallocate(void* p) {
    if (!p) return;
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = sizes_.find(p);
    if (it == sizes_.end()) return;  // not ours: never happens through Tensor
    allocated_bytes_ -= it->second;
    cached_bytes_ += it->second;
    free_.emplace(it->second, p);
  }

  void release_cached() {
    std::lock_guard<std::mutex> lock(mutex_);
    release_cached_locked();
  }

  cuda::MemoryInfo info() {
    std::lock_guard<std::mutex> lock(mutex_);
    return {allocated_bytes_, peak_bytes_, cached_bytes_};
  }
  void reset_peak() {
    std::lock_guard<std::mutex> lock(mutex_);
    peak_bytes_ = allocated_bytes_;
  }

 private:
  void* poisoned(void* p, size_t size) {
    if (poison) MT_CUDA_CHECK(cudaMemsetAsync(p, 0xFF, size, stream()));
    return p;
  }
  static size_t rounded(size_t n) {
    const size_t unit = n < (size_t(1) << 20) ? 512 : (size_t(2) << 20);
    return std::max<size_t>(unit, (n + unit - 1) / unit * unit);
  }
  void release_cached_locked() {
    // Kernels queued on the stream may still use blocks freed by the host: wait for them first.
    // A fault of an earlier kernel shows here, under its own name rather than as a failed cudaMalloc.
    MT_CUDA_CHECK_NAMED(cudaStreamSynchronize(stream()), "an earlier kernel (seen before freeing cached blocks)");
    while (!free_.empty()) {
      const auto [size, p] = *free_.begin();
      free_.erase(free_.begin());
      sizes_.erase(p);
      cached_bytes_ -= size;
      MT_CUDA_CHECK_NAMED(cudaFree(p), "cudaFree of a cached block");
    }
  }

  std::mutex mutex_;
  std::multimap<size_t, void*> free_;
  std::unordered_map<void*, size_t> sizes_;
  size_t allocated_bytes_ = 0, peak_bytes_ = 0, cached_bytes_ = 0;
};

CachingAllocator& allocator() {
  static CachingAllocator* instance = new CachingAllocator;  // never destroyed: tensors may outlive main
  return *instance;
}

// Pinned host blocks, cached like device blocks (cudaHostAlloc is slower still). Each block has
// an event, recorded on the stream when the block is freed: the block is reused only once the
// event has passed, that is once every copy queued from it has read it.
class PinnedHostCache {
 public:
  void* allocate(size_t nbytes) {
    const size_t size = std::max<size_t>(512, (nbytes + 511) / 512 * 512);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (auto it = free_.lower_bound(size); it != free_.end() && it->first <= 2 * size; ++it) {
        const cudaError_t state = cudaEventQuery(blocks_.at(it->second).released);
        if (state == cudaErrorNotReady) {  // a copy still reads it (not an error: clear it)
          cudaGetLastError();
          continue;
        }
        MT_CUDA_CHECK_NAMED(state, "cudaEventQuery");
        void* p = it->second;
        free_.erase(it);
        return p;
      }
    }
    // A new block, allocated without the lock: cudaHostAlloc of a batch takes milliseconds.
    void* p = nullptr;
    const cudaError_t status = cudaHostAlloc(&p, size, cudaHostAllocDefault);
    if (status != cudaSuccess) {
      cudaGetLastError();
      detail::fail("pin_memory: cudaHostAlloc of ", size, " bytes failed: ", cudaGetErrorName(status), " (",
                   cudaGetErrorString(status), ")");
    }
    cudaEvent_t event = nullptr;
    const cudaError_t created = cudaEventCreateWithFlags(&event, cudaEventDisableTiming);
    if (created != cudaSuccess) {
      cudaFreeHost(p);
      MT_CUDA_CHECK_NAMED(created, "cudaEventCreateWithFlags");
    }
    std::lock_guard<std::mutex> lock(mutex_);
    blocks_[p] = {size, event};
    return p;
  }

  // Also runs while the process exits, when CUDA may have shut down: a failed event record
  // leaves the block out of the cache.
  void deallocate(void* p) {
    if (!p) return;
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = blocks_.find(p);
    if (it == blocks_.end()) return;
    if (cudaEventRecord(it->second.released, stream()) != cudaSuccess) {
      // Without the event the block cannot be known to be free of queued copies: never reuse it.
      cudaGetLastError();
      return;
    }
    free_.emplace(it->second.size, p);
  }

 private:
  struct Block {
    size_t size;
    cudaEvent_t released;
  };
  std::mutex mutex_;
  std::multimap<size_t, void*> free_;
  std::unordered_map<void*, Block> blocks_;
};

PinnedHostCache& pinned_host_cache() {
  static PinnedHostCache* instance = new PinnedHostCache;  // never destroyed, like the allocator
  return *instance;
}

}  // namespace

cudaStream_t stream() {
  static cudaStream_t s = [] {
    cudaStream_t created = nullptr;
    MT_CUDA_CHECK(cudaStreamCreateWithFlags(&created, cudaStreamNonBlocking));
    return created;
  }();
  return s;
}

Scratch::Scratch(size_t nbytes) : ptr_(allocator().allocate(nbytes)) {}
Scratch::~Scratch() { allocator().deallocate(ptr_); }

void* CudaBackend::allocate(size_t nbytes) { return allocator().allocate(nbytes); }
void CudaBackend::deallocate(void* ptr, size_t) { allocator().deallocate(ptr); }

void CudaBackend::copy_from_host(void* dst, const void* src, size_t nbytes) {
  if (nbytes == 0) return;
  // From pageable memory the call returns once the host buffer has been read (staged), so the
  // caller may reuse it; from pinned memory the copy is asynchronous, so wait for it.
  MT_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyHostToDevice, stream()));
  MT_CUDA_CHECK(cudaStreamSynchronize(stream()));
}

void* CudaBackend::allocate_pinned_host(size_t nbytes) { return pinned_host_cache().allocate(nbytes); }
void CudaBackend::deallocate_pinned_host(void* ptr, size_t) {
  try {
    pinned_host_cache().deallocate(ptr);
  } catch (const Error&) {
    // Only while the process exits, after CUDA has shut down (stream() cannot be made): the
    // memory goes with the process. Storage's destructor must not throw.
  }
}

void CudaBackend::copy_from_host_async(void* dst, const void* src, size_t nbytes) {
  if (nbytes == 0) return;
  MT_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyHostToDevice, stream()));
}

void CudaBackend::copy_to_host(void* dst, const void* src, size_t nbytes) {
  if (nbytes == 0) return;
  MT_CUDA_CHECK(cudaMemcpyAsync(dst, src, nbytes, cudaMemcpyDeviceToHost, stream()));
  MT_CUDA_CHECK(cudaStreamSynchronize(stream()));  // the host reads it next
}

}  // namespace kernels::cuda_impl

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
std::string device_status() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status != cudaSuccess) {
    cudaGetLastError();
    // The versions tell a missing driver (0) from an old one.
    int driver = 0, runtime = 0;
    cudaDriverGetVersion(&driver);
    cudaRuntimeGetVersion(&runtime);
    auto version = [](int v) { return std::to_string(v / 1000) + "." + std::to_string(v % 1000 / 10); };
    return std::string("cudaGetDeviceCount failed: ") + cudaGetErrorName(status) + " (" + cudaGetErrorString(status) +
           "); NVIDIA driver: " + (driver ? "CUDA " + version(driver) : std::string("none found")) +
           ", minitorch's CUDA runtime: " + version(runtime);
  }
  return std::to_string(count) + (count == 1 ? " CUDA device" : " CUDA devices");
}

void synchronize() {
  if (is_available()) MT_CUDA_CHECK(cudaStreamSynchronize(kernels::cuda_impl::stream()));
}

MemoryInfo memory_info() { return is_available() ? kernels::cuda_impl::allocator().info() : MemoryInfo{}; }
void reset_peak_memory() {
  if (is_available()) kernels::cuda_impl::allocator().reset_peak();
}
void empty_cache() {
  if (is_available()) kernels::cuda_impl::allocator().release_cached();
}
void set_poison_allocations(bool poison) {
  if (is_available()) kernels::cuda_impl::allocator().poison = poison;
}

}  // namespace cuda

namespace kernels {
Backend& cuda_backend() {
  static const bool available = cuda::is_available();  // asked once, not on every kernel call
  MT_CHECK(available, "cuda: no CUDA device is available (", cuda::device_status(), ")");
  static cuda_impl::CudaBackend instance;
  return instance;
}
}  // namespace kernels

}  // namespace minitorch
