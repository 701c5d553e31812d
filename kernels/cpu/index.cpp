// Indexing kernels on the CPU: index_select / index_add (one index per slice of a dim) and
// gather / scatter_add (one index per element). The ops (src/ops/indexing.cpp) have checked
// that every index is in range.
#include <cstring>

#include "cpu_backend.hpp"
#include "loops.hpp"

namespace minitorch::kernels::cpu {

namespace {

// Visits every position of `shape` in row-major order, keeping a multi-index up to date.
template <class Fn>
void for_each_position(const Strided& shape_of, Fn&& fn) {
  const int nd = shape_of.ndim;
  const int64_t total = shape_of.numel();
  int64_t pos[kMaxDims] = {};
  for (int64_t linear = 0; linear < total; ++linear) {
    fn(pos);
    for (int d = nd - 1; d >= 0; --d) {
      if (++pos[d] < shape_of.shape[d]) break;
      pos[d] = 0;
    }
  }
}

int64_t offset_of(const Strided& s, const int64_t* pos, int replaced_dim = -1, int64_t replacement = 0) {
  int64_t off = 0;
  for (int d = 0; d < s.ndim; ++d) off += (d == replaced_dim ? replacement : pos[d]) * s.strides[d];
  return off;
}

// The dtypes index_add and scatter_add add in: all but bool (the op rejects bool first).
template <class Fn>
void visit_addable_dtype(DType t, const char* what, Fn&& fn) {
  MT_CHECK(t != DType::Bool, what, ": cannot add bool tensors");
  visit_dtype(t, [&](auto tag) {
    if constexpr (!std::is_same_v<typename decltype(tag)::type, bool>) fn(tag);
  });
}

// 16-bit floats add in float32 and round once per add, as the GPU's atomic adds do.
template <class T>
void add_into(T& sum, T value) {
  if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) sum = T(float(sum) + float(value));
  else sum = T(sum + value);
}

}  // namespace

void CpuBackend::index_select(DType t, const void* x, int64_t outer, int64_t dim_size, int64_t inner,
                              const int64_t* index, int64_t n, void* out) {
  const size_t bytes = dtype_size(t) * size_t(inner);
  const char* src = static_cast<const char*>(x);
  char* dst = static_cast<char*>(out);
  parallel_for(outer * n, inner, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const int64_t o = r / n, j = r % n;
      std::memcpy(dst + size_t(r) * bytes, src + size_t(o * dim_size + index[j]) * bytes, bytes);
    }
  });
}

void CpuBackend::index_add(DType t, void* x, int64_t outer, int64_t dim_size, int64_t inner, const int64_t* index,
                           int64_t n, const void* src) {
  visit_addable_dtype(t, "index_add kernel", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* dst = static_cast<T*>(x);
    const T* s = static_cast<const T*>(src);
    // Parallel over `outer` only: two j with the same index then never race.
    parallel_for(outer, n * inner, [&](int64_t begin, int64_t end) {
      for (int64_t o = begin; o < end; ++o)
        for (int64_t j = 0; j < n; ++j) {
          T* d = dst + (o * dim_size + index[j]) * inner;
          const T* v = s + (o * n + j) * inner;
          for (int64_t i = 0; i < inner; ++i) add_into(d[i], v[i]);
        }
    });
  });
}

void CpuBackend::gather(DType t, const Strided& x, int dim, const Strided& index, const Strided& out) {
  visit_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = static_cast<const T*>(x.data);
    const int64_t* idx = static_cast<const int64_t*>(index.data);
    T* dst = static_cast<T*>(out.data);
    for_each_position(index, [&](const int64_t* pos) {
      dst[offset_of(out, pos)] = src[offset_of(x, pos, dim, idx[offset_of(index, pos)])];
    });
  });
}

void CpuBackend::scatter_add(DType t, const Strided& out, int dim, const Strided& index, const Strided& src) {
  visit_addable_dtype(t, "scatter_add kernel", [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* dst = static_cast<T*>(out.data);
    const int64_t* idx = static_cast<const int64_t*>(index.data);
    const T* s = static_cast<const T*>(src.data);
    for_each_position(index, [&](const int64_t* pos) {
      add_into(dst[offset_of(out, pos, dim, idx[offset_of(index, pos)])], s[offset_of(src, pos)]);
    });
  });
}

}  // namespace minitorch::kernels::cpu
