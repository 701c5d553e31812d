// Elementwise CUDA kernels: fill, copy/convert, unary math, binary math (with broadcasting
// through stride 0), where. One thread per output element in a grid-stride loop; the formulas
// are those of kernels/scalar_math.hpp, shared with the CPU backend.
#include "common.cuh"

namespace minitorch::kernels::cuda_impl {

namespace {

// ---- the per-element formulas ----------------------------------------------------------------
template <class C>
__device__ inline C apply_unary(UnaryOp op, C v, C a, C b) {
  switch (op) {
    case UnaryOp::Neg: return C(-v);
    case UnaryOp::Abs:
      if constexpr (std::is_unsigned_v<C>) return v;
      else return v < C(0) ? C(-v) : v;
    case UnaryOp::Sign:
      if constexpr (std::is_unsigned_v<C>) return C(v != C(0));
      else return C((C(0) < v) - (v < C(0)));
    case UnaryOp::Relu: return v > C(0) || v != v ? v : C(0);  // NaN stays NaN, as in PyTorch
    case UnaryOp::Clamp: return v < a ? a : (v > b ? b : v);
    case UnaryOp::AddScalar: return C(v + a);
    case UnaryOp::MulScalar: return C(v * a);
    default: break;
  }
  if constexpr (std::is_floating_point_v<C>) {
    switch (op) {
      case UnaryOp::Exp: return std::exp(v);
      case UnaryOp::Log: return std::log(v);
      case UnaryOp::Sqrt: return std::sqrt(v);
      case UnaryOp::Rsqrt: return C(1) / std::sqrt(v);
      case UnaryOp::Tanh: return std::tanh(v);
      case UnaryOp::Sigmoid: return math::sigmoid(v);
      case UnaryOp::Erf: return std::erf(v);
      case UnaryOp::Gelu: return math::gelu(v);
      case UnaryOp::GeluTanh: return math::gelu_tanh(v);
      case UnaryOp::PowScalar: return std::pow(v, a);
      default: break;
    }
  }
  return v;  // not reached: the host checks the op first
}

bool unary_defined(UnaryOp op, bool floating) {
  switch (op) {
    case UnaryOp::Neg: case UnaryOp::Abs: case UnaryOp::Sign: case UnaryOp::Relu: case UnaryOp::Clamp:
    case UnaryOp::AddScalar: case UnaryOp::MulScalar: return true;
    default: return floating;
  }
}

template <class C>
__device__ inline C apply_binary(BinaryOp op, C u, C v) {
  switch (op) {
    case BinaryOp::Add: return C(u + v);
    case BinaryOp::Sub: return C(u - v);
    case BinaryOp::Mul: return C(u * v);
    case BinaryOp::Maximum: return math::maximum(u, v);
    case BinaryOp::Minimum: return math::minimum(u, v);
    default: break;
  }
  if constexpr (std::is_floating_point_v<C>) {
    // For the gradients u is the forward input x (or output y) and v the incoming gradient g.
    switch (op) {
      case BinaryOp::Div: return u / v;
      case BinaryOp::Pow: return std::pow(u, v);
      case BinaryOp::ReluGrad: return u <= C(0) ? C(0) : v;  // NaN passes the gradient, as in PyTorch
      case BinaryOp::GeluGrad: return v * math::gelu_grad(u);
      case BinaryOp::GeluTanhGrad: return v * math::gelu_tanh_grad(u);
      case BinaryOp::SigmoidGrad: return v * u * (C(1) - u);
      case BinaryOp::TanhGrad: return v * (C(1) - u * u);
      case BinaryOp::ErfGrad: return v * math::erf_grad(u);
      default: break;
    }
  }
  return u;  // not reached: the host checks the op first
}

template <class C>
__device__ inline bool apply_comparison(BinaryOp op, C u, C v) {
  switch (op) {
    case BinaryOp::Eq: return u == v;
    case BinaryOp::Ne: return u != v;
    case BinaryOp::Lt: return u < v;
    case BinaryOp::Le: return u <= v;
    case BinaryOp::Gt: return u > v;
    default: return u >= v;
  }
}

bool binary_defined(BinaryOp op, bool floating) {
  switch (op) {
    case BinaryOp::Add: case BinaryOp::Sub: case BinaryOp::Mul: case BinaryOp::Maximum: case BinaryOp::Minimum:
      return true;
    default: return is_comparison(op) || floating;
  }
}

// ---- kernels ---------------------------------------------------------------------------------
template <class T>
__global__ void fill_kernel(Offsets<1> o, int64_t n, T* out, T value) {
  MT_GRID_STRIDE_LOOP(i, n) {
    int64_t off[1];
    o.of(i, off);
    out[off[0]] = value;
  }
}

template <class To, class From>
__global__ void copy_kernel(Offsets<2> o, int64_t n, To* dst, const From* src) {
  MT_GRID_STRIDE_LOOP(i, n) {
    int64_t off[2];
    o.of(i, off);
    dst[off[0]] = convert<To>(src[off[1]]);
  }
}

template <class T>
__global__ void unary_kernel(UnaryOp op, Offsets<2> o, int64_t n, const T* x, T* out, compute_t<T> a,
                             compute_t<T> b) {
  using C = compute_t<T>;
  MT_GRID_STRIDE_LOOP(i, n) {
    int64_t off[2];
    o.of(i, off);
    out[off[0]] = convert<T>(apply_unary<C>(op, convert<C>(x[off[1]]), a, b));
  }
}

template <class T, class Out>
__global__ void binary_kernel(BinaryOp op, Offsets<3> o, int64_t n, const T* a, const T* b, Out* out) {
  using C = compute_t<T>;
  MT_GRID_STRIDE_LOOP(i, n) {
    int64_t off[3];
    o.of(i, off);
    const C u = convert<C>(a[off[1]]), v = convert<C>(b[off[2]]);
    if constexpr (std::is_same_v<Out, bool>)
      out[off[0]] = apply_comparison<C>(op, u, v);
    else
      out[off[0]] = convert<Out>(apply_binary<C>(op, u, v));
  }
}

template <class T>
__global__ void where_kernel(Offsets<4> o, int64_t n, const bool* cond, const T* a, const T* b, T* out) {
  MT_GRID_STRIDE_LOOP(i, n) {
    int64_t off[4];
    o.of(i, off);
    out[off[0]] = cond[off[1]] ? a[off[2]] : b[off[3]];
  }
}

}  // namespace

void CudaBackend::fill(DType t, const Strided& out, double value) {
  const int64_t n = out.numel();
  if (n == 0) return;
  visit_device_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    fill_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(offsets_of<1>({&out}), n, static_cast<T*>(out.data),
                                                          convert<T>(value));
  });
  MT_CUDA_LAUNCHED("fill kernel");
}

void CudaBackend::copy(DType dst_t, const Strided& dst, DType src_t, const Strided& src) {
  const int64_t n = dst.numel();
  if (n == 0) return;
  if (dst_t == src_t && is_contiguous(dst) && is_contiguous(src)) {
    MT_CUDA_CHECK(cudaMemcpyAsync(dst.data, src.data, size_t(n) * dtype_size(dst_t), cudaMemcpyDeviceToDevice, stream()));
    return;
  }
  visit_device_dtype(dst_t, [&](auto dst_tag) {
    using To = typename decltype(dst_tag)::type;
    visit_device_dtype(src_t, [&](auto src_tag) {
      using From = typename decltype(src_tag)::type;
      copy_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(offsets_of<2>({&dst, &src}), n, static_cast<To*>(dst.data),
                                                            static_cast<const From*>(src.data));
    });
  });
  MT_CUDA_LAUNCHED("copy kernel");
}

void CudaBackend::unary(UnaryOp op, DType t, const Strided& x, const Strided& out, UnaryParams p) {
  MT_CHECK(t != DType::Bool, "unary kernel: not defined for bool");
  MT_CHECK(unary_defined(op, is_floating(t)), "unary kernel: op ", int(op), " is not defined for ", dtype_name(t));
  const int64_t n = out.numel();
  if (n == 0) return;
  visit_device_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (!std::is_same_v<T, bool>) {
      using C = compute_t<T>;
      unary_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(op, offsets_of<2>({&out, &x}), n,
                                                             static_cast<const T*>(x.data), static_cast<T*>(out.data),
                                                             C(p.a), C(p.b));
    }
  });
  MT_CUDA_LAUNCHED("unary kernel");
}

void CudaBackend::binary(BinaryOp op, DType t, const Strided& a, const Strided& b, const Strided& out) {
  MT_CHECK(binary_defined(op, is_floating(t)), "binary kernel: op ", int(op), " is not defined for ", dtype_name(t));
  const int64_t n = out.numel();
  if (n == 0) return;
  const auto o = offsets_of<3>({&out, &a, &b});
  auto launch = [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* u = static_cast<const T*>(a.data);
    const T* v = static_cast<const T*>(b.data);
    if (is_comparison(op))
      binary_kernel<T, bool><<<blocks_for(n), kThreads, 0, stream()>>>(op, o, n, u, v, static_cast<bool*>(out.data));
    else
      binary_kernel<T, T><<<blocks_for(n), kThreads, 0, stream()>>>(op, o, n, u, v, static_cast<T*>(out.data));
  };
  if (t == DType::Bool)
    launch(TypeTag<uint8_t>{});  // logical ops on bool: compute on its byte storage, as the CPU does
  else
    visit_device_dtype(t, launch);
  MT_CUDA_LAUNCHED("binary kernel");
}

void CudaBackend::where(DType t, const Strided& cond, const Strided& a, const Strided& b, const Strided& out) {
  const int64_t n = out.numel();
  if (n == 0) return;
  visit_device_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    where_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(offsets_of<4>({&out, &cond, &a, &b}), n,
                                                           static_cast<const bool*>(cond.data),
                                                           static_cast<const T*>(a.data), static_cast<const T*>(b.data),
                                                           static_cast<T*>(out.data));
  });
  MT_CUDA_LAUNCHED("where kernel");
}

}  // namespace minitorch::kernels::cuda_impl
