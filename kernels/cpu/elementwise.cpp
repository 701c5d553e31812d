// Elementwise CPU kernels: fill, copy/convert, unary math, binary math, where.
// Each op's formula is written once, as a lambda on one element; the loops in loops.hpp apply it.
// The gradient formulas of the activations sit right next to their forward formulas.
#include <cmath>
#include <type_traits>

#include "cpu_backend.hpp"
#include "loops.hpp"
#include "scalar_math.hpp"
#include "simd.hpp"

namespace minitorch::kernels::cpu {

namespace {

template <class T> constexpr bool is_half_v = std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>;

// Conversion between any two element types; 16-bit floats go through float, bool is "!= 0".
template <class To, class From>
inline To convert(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (is_half_v<From>) {
    return convert<To>(float(v));
  } else if constexpr (is_half_v<To>) {
    return To(float(v));
  } else if constexpr (std::is_same_v<To, bool>) {
    return v != From(0);
  } else {
    return static_cast<To>(v);
  }
}

// out[i] = f(in[i]) over one row; the contiguous case is a plain loop the compiler vectorises.
template <class In, class Out, class F>
inline void map_row(const char* in, int64_t in_stride, char* out, int64_t out_stride, int64_t n, F f) {
  if (in_stride == sizeof(In) && out_stride == sizeof(Out)) {
    const In* x = reinterpret_cast<const In*>(in);
    Out* y = reinterpret_cast<Out*>(out);
    for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
  } else {
    for (int64_t i = 0; i < n; ++i)
      *reinterpret_cast<Out*>(out + i * out_stride) = f(*reinterpret_cast<const In*>(in + i * in_stride));
  }
}

template <class In, class Out, class F>
void map_unary(const Strided& x, const Strided& out, F f) {
  auto loop = make_loop<2>({&out, &x}, {sizeof(Out), sizeof(In)});
  run_loop(loop, [&](const std::array<char*, 2>& p, const std::array<int64_t, 2>& s, int64_t n) {
    map_row<In, Out>(p[1], s[1], p[0], s[0], n, f);
  });
}

template <class T, class Out, class F>
void map_binary(const Strided& a, const Strided& b, const Strided& out, F f) {
  auto loop = make_loop<3>({&out, &a, &b}, {sizeof(Out), sizeof(T), sizeof(T)});
  run_loop(loop, [&](const std::array<char*, 3>& p, const std::array<int64_t, 3>& s, int64_t n) {
    if (s[0] == sizeof(Out) && s[1] == sizeof(T) && s[2] == sizeof(T)) {
      Out* y = reinterpret_cast<Out*>(p[0]);
      const T* u = reinterpret_cast<const T*>(p[1]);
      const T* v = reinterpret_cast<const T*>(p[2]);
      for (int64_t i = 0; i < n; ++i) y[i] = f(u[i], v[i]);
    } else if (s[0] == sizeof(Out) && s[1] == sizeof(T) && s[2] == 0) {  // tensor op scalar
      Out* y = reinterpret_cast<Out*>(p[0]);
      const T* u = reinterpret_cast<const T*>(p[1]);
      const T v = *reinterpret_cast<const T*>(p[2]);
      for (int64_t i = 0; i < n; ++i) y[i] = f(u[i], v);
    } else {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<Out*>(p[0] + i * s[0]) =
            f(*reinterpret_cast<const T*>(p[1] + i * s[1]), *reinterpret_cast<const T*>(p[2] + i * s[2]));
    }
  });
}

// ---- the math: kernels/scalar_math.hpp holds each formula, shared with the CUDA backend -------
using math::gelu;
using math::gelu_grad;
using math::gelu_tanh;
using math::gelu_tanh_grad;
using math::sigmoid;

template <class T>
void unary_typed(UnaryOp op, const Strided& x, const Strided& out, UnaryParams p) {
  const T a = T(p.a), b = T(p.b);
  auto run = [&](auto f) { map_unary<T, T>(x, out, f); };
  switch (op) {
    case UnaryOp::Neg: return run([](T v) { return T(-v); });
    case UnaryOp::Abs: return run([](T v) { return v < T(0) ? T(-v) : v; });
    case UnaryOp::Sign: return run([](T v) { return T((T(0) < v) - (v < T(0))); });
    case UnaryOp::Relu: return run([](T v) { return v > T(0) || v != v ? v : T(0); });  // NaN stays NaN, as in PyTorch
    case UnaryOp::Clamp: return run([a, b](T v) { return v < a ? a : (v > b ? b : v); });
    case UnaryOp::AddScalar: return run([a](T v) { return T(v + a); });
    case UnaryOp::MulScalar: return run([a](T v) { return T(v * a); });
    default: break;
  }
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case UnaryOp::Exp:
        if constexpr (std::is_same_v<T, float>) {
          // Contiguous float32: the hand-written SIMD exp.
          auto loop = make_loop<2>({&out, &x}, {sizeof(T), sizeof(T)});
          return run_loop(loop, [](const std::array<char*, 2>& ptr, const std::array<int64_t, 2>& s, int64_t n) {
            if (s[0] == 4 && s[1] == 4)
              simd::exp_shifted_sum(reinterpret_cast<const float*>(ptr[1]), 0.f, reinterpret_cast<float*>(ptr[0]), n);
            else
              map_row<float, float>(ptr[1], s[1], ptr[0], s[0], n, [](float v) { return std::exp(v); });
          });
        }
        return run([](T v) { return std::exp(v); });
      case UnaryOp::Log: return run([](T v) { return std::log(v); });
      case UnaryOp::Sqrt: return run([](T v) { return std::sqrt(v); });
      case UnaryOp::Rsqrt: return run([](T v) { return T(1) / std::sqrt(v); });
      case UnaryOp::Tanh: return run([](T v) { return std::tanh(v); });
      case UnaryOp::Sigmoid: return run([](T v) { return sigmoid(v); });
      case UnaryOp::Erf: return run([](T v) { return std::erf(v); });
      case UnaryOp::Gelu:
        if constexpr (std::is_same_v<T, float>) {  // contiguous float32: the SIMD erf
          auto loop = make_loop<2>({&out, &x}, {sizeof(T), sizeof(T)});
          return run_loop(loop, [](const std::array<char*, 2>& ptr, const std::array<int64_t, 2>& s, int64_t n) {
            if (s[0] == 4 && s[1] == 4)
              simd::gelu(reinterpret_cast<const float*>(ptr[1]), reinterpret_cast<float*>(ptr[0]), n);
            else
              map_row<float, float>(ptr[1], s[1], ptr[0], s[0], n, [](float v) { return gelu(v); });
          });
        }
        return run([](T v) { return gelu(v); });
      case UnaryOp::GeluTanh: return run([](T v) { return gelu_tanh(v); });
      case UnaryOp::PowScalar: return run([a](T v) { return std::pow(v, a); });
      default: break;
    }
  }
  detail::fail("unary kernel: op ", int(op), " is not defined for ", dtype_name(dtype_of<T>::value));
}

template <class T>
void binary_typed(BinaryOp op, const Strided& a, const Strided& b, const Strided& out) {
  auto run = [&](auto f) { map_binary<T, T>(a, b, out, f); };
  auto compare = [&](auto f) { map_binary<T, bool>(a, b, out, f); };
  switch (op) {
    case BinaryOp::Add: return run([](T u, T v) { return T(u + v); });
    case BinaryOp::Sub: return run([](T u, T v) { return T(u - v); });
    case BinaryOp::Mul: return run([](T u, T v) { return T(u * v); });
    // NaN propagates, as torch.maximum does.
    case BinaryOp::Maximum: return run([](T u, T v) { return math::maximum(u, v); });
    case BinaryOp::Minimum: return run([](T u, T v) { return math::minimum(u, v); });
    case BinaryOp::Eq: return compare([](T u, T v) { return u == v; });
    case BinaryOp::Ne: return compare([](T u, T v) { return u != v; });
    case BinaryOp::Lt: return compare([](T u, T v) { return u < v; });
    case BinaryOp::Le: return compare([](T u, T v) { return u <= v; });
    case BinaryOp::Gt: return compare([](T u, T v) { return u > v; });
    case BinaryOp::Ge: return compare([](T u, T v) { return u >= v; });
    default: break;
  }
  if constexpr (std::is_floating_point_v<T>) {
    switch (op) {
      case BinaryOp::Div: return run([](T u, T v) { return u / v; });
      case BinaryOp::Pow: return run([](T u, T v) { return std::pow(u, v); });
      case BinaryOp::ReluGrad: return run([](T x, T g) { return x <= T(0) ? T(0) : g; });  // NaN passes g, as in PyTorch
      case BinaryOp::GeluGrad:
        if constexpr (std::is_same_v<T, float>) {
          auto loop = make_loop<3>({&out, &a, &b}, {4, 4, 4});
          return run_loop(loop, [](const std::array<char*, 3>& p, const std::array<int64_t, 3>& s, int64_t n) {
            if (s[0] == 4 && s[1] == 4 && s[2] == 4) {
              simd::gelu_grad(reinterpret_cast<const float*>(p[1]), reinterpret_cast<const float*>(p[2]),
                              reinterpret_cast<float*>(p[0]), n);
            } else {
              for (int64_t i = 0; i < n; ++i)
                *reinterpret_cast<float*>(p[0] + i * s[0]) = *reinterpret_cast<const float*>(p[2] + i * s[2]) *
                                                             gelu_grad(*reinterpret_cast<const float*>(p[1] + i * s[1]));
            }
          });
        }
        return run([](T x, T g) { return g * gelu_grad(x); });
      case BinaryOp::GeluTanhGrad: return run([](T x, T g) { return g * gelu_tanh_grad(x); });
      case BinaryOp::SigmoidGrad: return run([](T y, T g) { return g * y * (T(1) - y); });
      case BinaryOp::TanhGrad: return run([](T y, T g) { return g * (T(1) - y * y); });
      case BinaryOp::ErfGrad: return run([](T x, T g) { return g * math::erf_grad(x); });
      default: break;
    }
  }
  detail::fail("binary kernel: op ", int(op), " is not defined for ", dtype_name(dtype_of<T>::value));
}

}  // namespace

void CpuBackend::fill(DType t, const Strided& out, double value) {
  visit_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T v = convert<T>(value);
    auto loop = make_loop<1>({&out}, {sizeof(T)});
    run_loop(loop, [v](const std::array<char*, 1>& p, const std::array<int64_t, 1>& s, int64_t n) {
      for (int64_t i = 0; i < n; ++i) *reinterpret_cast<T*>(p[0] + i * s[0]) = v;
    });
  });
}

void CpuBackend::copy(DType dst_t, const Strided& dst, DType src_t, const Strided& src) {
  visit_dtype(dst_t, [&](auto dst_tag) {
    using To = typename decltype(dst_tag)::type;
    visit_dtype(src_t, [&](auto src_tag) {
      using From = typename decltype(src_tag)::type;
      map_unary<From, To>(src, dst, [](From v) { return convert<To>(v); });
    });
  });
}

void CpuBackend::unary(UnaryOp op, DType t, const Strided& x, const Strided& out, UnaryParams p) {
  visit_compute_dtype(t, "unary kernel", [&](auto tag) { unary_typed<typename decltype(tag)::type>(op, x, out, p); });
}

void CpuBackend::binary(BinaryOp op, DType t, const Strided& a, const Strided& b, const Strided& out) {
  if (t == DType::Bool) {  // logical ops on bool: compute on its byte storage
    binary_typed<uint8_t>(op, a, b, out);
    return;
  }
  visit_compute_dtype(t, "binary kernel", [&](auto tag) { binary_typed<typename decltype(tag)::type>(op, a, b, out); });
}

void CpuBackend::where(DType t, const Strided& cond, const Strided& a, const Strided& b, const Strided& out) {
  visit_dtype(t, [&](auto tag) {
    using T = typename decltype(tag)::type;
    auto loop = make_loop<4>({&out, &cond, &a, &b}, {sizeof(T), 1, sizeof(T), sizeof(T)});
    run_loop(loop, [](const std::array<char*, 4>& p, const std::array<int64_t, 4>& s, int64_t n) {
      for (int64_t i = 0; i < n; ++i)
        *reinterpret_cast<T*>(p[0] + i * s[0]) = *reinterpret_cast<const bool*>(p[1] + i * s[1])
                                                     ? *reinterpret_cast<const T*>(p[2] + i * s[2])
                                                     : *reinterpret_cast<const T*>(p[3] + i * s[3]);
    });
  });
}

}  // namespace minitorch::kernels::cpu
