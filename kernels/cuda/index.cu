// Indexing on CUDA: index_select / index_add over one dim of [outer, dim_size, inner], and
// gather / scatter_add along a dim of strided views. The index ranges were checked by the op.
// The adds may hit one element from several threads, so they are atomic (their order, and
// with it the last bits of float sums, can vary from run to run).
#include "common.cuh"

namespace minitorch::kernels::cuda_impl {

namespace {

// There is no atomicAdd for bytes: the byte is added inside the aligned 32-bit word that holds
// it, by compare-and-swap, wrapping modulo 256 like the CPU's uint8 add. (Device allocations are
// 256-byte aligned and rounded up to whole words, so the word lies inside the allocation.)
__device__ inline void atomic_add_byte(uint8_t* address, uint8_t value) {
  const uintptr_t at = reinterpret_cast<uintptr_t>(address);
  unsigned int* word = reinterpret_cast<unsigned int*>(at & ~uintptr_t(3));
  const unsigned int shift = unsigned(at & 3) * 8;
  unsigned int seen = *word, expected;
  do {
    expected = seen;
    const unsigned int sum = ((expected >> shift) + value) & 0xffu;
    seen = atomicCAS(word, expected, (expected & ~(0xffu << shift)) | (sum << shift));
  } while (seen != expected);
}

template <class T>
__device__ inline void atomic_add(T* address, T value) {
  if constexpr (std::is_same_v<T, uint8_t>)
    atomic_add_byte(address, value);
  else if constexpr (std::is_same_v<T, int64_t>)
    atomicAdd(reinterpret_cast<unsigned long long*>(address), static_cast<unsigned long long>(value));
  else
    atomicAdd(address, value);
}

template <class T>
__global__ void index_select_kernel(const T* x, int64_t outer, int64_t dim_size, int64_t inner, const int64_t* index,
                                    int64_t n, T* out) {
  MT_GRID_STRIDE_LOOP(idx, outer * n * inner) {
    const int64_t i = idx % inner, j = (idx / inner) % n, o = idx / (inner * n);
    out[idx] = x[(o * dim_size + index[j]) * inner + i];
  }
}

template <class T>
__global__ void index_add_kernel(T* x, int64_t outer, int64_t dim_size, int64_t inner, const int64_t* index,
                                 int64_t n, const T* src) {
  MT_GRID_STRIDE_LOOP(idx, outer * n * inner) {
    const int64_t i = idx % inner, j = (idx / inner) % n, o = idx / (inner * n);
    atomic_add(&x[(o * dim_size + index[j]) * inner + i], src[idx]);
  }
}

// Offsets of three views of one shape (the index's), where the first view's coordinate along
// `dim` is replaced by the index value: [0] the indexed tensor, [1] the index, [2] the other.
struct IndexedOffsets {
  int ndim = 0, dim = 0;
  int64_t shape[kMaxDims] = {};
  int64_t strides[3][kMaxDims] = {};

  __device__ void of(int64_t linear, const int64_t* index, int64_t (&out)[3]) const {
    int64_t dim_stride = 0;
    out[0] = out[1] = out[2] = 0;
    for (int d = ndim - 1; d >= 0; --d) {
      const int64_t coord = linear % shape[d];
      linear /= shape[d];
      if (d == dim) dim_stride = strides[0][d];
      else out[0] += coord * strides[0][d];
      out[1] += coord * strides[1][d];
      out[2] += coord * strides[2][d];
    }
    out[0] += index[out[1]] * dim_stride;
  }
};

IndexedOffsets indexed_offsets(const Strided& indexed, int dim, const Strided& index, const Strided& other) {
  IndexedOffsets o;
  o.ndim = index.ndim;
  o.dim = dim;
  for (int d = 0; d < index.ndim; ++d) {
    o.shape[d] = index.shape[d];
    o.strides[0][d] = indexed.strides[d];
    o.strides[1][d] = index.strides[d];
    o.strides[2][d] = other.strides[d];
  }
  return o;
}

template <class T>
__global__ void gather_kernel(IndexedOffsets o, int64_t n, const T* x, const int64_t* index, T* out) {
  MT_GRID_STRIDE_LOOP(i, n) {
    int64_t off[3];
    o.of(i, index, off);
    out[off[2]] = x[off[0]];
  }
}

template <class T>
__global__ void scatter_add_kernel(IndexedOffsets o, int64_t n, T* out, const int64_t* index, const T* src) {
  MT_GRID_STRIDE_LOOP(i, n) {
    int64_t off[3];
    o.of(i, index, off);
    atomic_add(&out[off[0]], src[off[2]]);
  }
}

// The dtypes the adding kernels take: all but bool (the op rejects bool first).
template <class F>
void visit_atomic_dtype(DType t, const char* what, F&& f) {
  MT_CHECK(t != DType::Bool, what, ": cannot add bool tensors");
  visit_device_dtype(t, [&](auto tag) {
    if constexpr (!std::is_same_v<typename decltype(tag)::type, bool>) f(tag);
  });
}

}  // namespace

void CudaBackend::index_select(DType t, const void* x, int64_t outer, int64_t dim_size, int64_t inner,
                               const int64_t* index, int64_t n, void* out) {
  const int64_t total = outer * n * inner;
  if (total == 0) return;
  visit_device_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    index_select_kernel<<<blocks_for(total), kThreads, 0, stream()>>>(static_cast<const T*>(x), outer, dim_size, inner,
                                                                      index, n, static_cast<T*>(out));
  });
  MT_CUDA_LAUNCHED("index_select kernel");
}

void CudaBackend::index_add(DType t, void* x, int64_t outer, int64_t dim_size, int64_t inner, const int64_t* index,
                            int64_t n, const void* src) {
  const int64_t total = outer * n * inner;
  if (total == 0) return;
  visit_atomic_dtype(t, "index_add", [&](auto tag) {
    using T = typename decltype(tag)::type;
    index_add_kernel<<<blocks_for(total), kThreads, 0, stream()>>>(static_cast<T*>(x), outer, dim_size, inner, index, n,
                                                                   static_cast<const T*>(src));
  });
  MT_CUDA_LAUNCHED("index_add kernel");
}

void CudaBackend::gather(DType t, const Strided& x, int dim, const Strided& index, const Strided& out) {
  const int64_t n = index.numel();
  if (n == 0) return;
  visit_device_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    gather_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(indexed_offsets(x, dim, index, out), n,
                                                            static_cast<const T*>(x.data),
                                                            static_cast<const int64_t*>(index.data),
                                                            static_cast<T*>(out.data));
  });
  MT_CUDA_LAUNCHED("gather kernel");
}

void CudaBackend::scatter_add(DType t, const Strided& out, int dim, const Strided& index, const Strided& src) {
  const int64_t n = index.numel();
  if (n == 0) return;
  visit_atomic_dtype(t, "scatter_add", [&](auto tag) {
    using T = typename decltype(tag)::type;
    scatter_add_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(indexed_offsets(out, dim, index, src), n,
                                                                 static_cast<T*>(out.data),
                                                                 static_cast<const int64_t*>(index.data),
                                                                 static_cast<const T*>(src.data));
  });
  MT_CUDA_LAUNCHED("scatter_add kernel");
}

}  // namespace minitorch::kernels::cuda_impl
