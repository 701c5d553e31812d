#pragma once
// Element types. Arithmetic runs in uint8, int64, float32 and float64; bool is the result of
// comparisons; float16 and bfloat16 are storage types (convert with to(float32) to compute).
#include <cstdint>
#include <cstring>
#include <string>

#include "minitorch/error.hpp"

namespace minitorch {

enum class DType : uint8_t { Bool, UInt8, Int64, Float16, BFloat16, Float32, Float64 };

constexpr DType kBool = DType::Bool;
constexpr DType kUInt8 = DType::UInt8;
constexpr DType kInt64 = DType::Int64;
constexpr DType kFloat16 = DType::Float16;
constexpr DType kBFloat16 = DType::BFloat16;
constexpr DType kFloat32 = DType::Float32;
constexpr DType kFloat64 = DType::Float64;

constexpr size_t dtype_size(DType t) {
  switch (t) {
    case DType::Bool:
    case DType::UInt8: return 1;
    case DType::Float16:
    case DType::BFloat16: return 2;
    case DType::Float32: return 4;
    case DType::Int64:
    case DType::Float64: return 8;
  }
  return 0;
}

// PyTorch's spelling ("float32"), used in error messages and when printing tensors.
constexpr const char* dtype_name(DType t) {
  switch (t) {
    case DType::Bool: return "bool";
    case DType::UInt8: return "uint8";
    case DType::Int64: return "int64";
    case DType::Float16: return "float16";
    case DType::BFloat16: return "bfloat16";
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
  }
  return "?";
}

constexpr bool is_floating(DType t) {
  return t == DType::Float16 || t == DType::BFloat16 || t == DType::Float32 || t == DType::Float64;
}
// Types whose kernels exist on the CPU (the others are converted or rejected by ops).
constexpr bool is_compute_type(DType t) {
  return t == DType::UInt8 || t == DType::Int64 || t == DType::Float32 || t == DType::Float64;
}

// The type of `a op b`, as PyTorch promotes: floating beats integer, wider beats narrower.
constexpr DType promote_types(DType a, DType b) {
  if (a == b) return a;
  auto rank = [](DType t) {
    switch (t) {
      case DType::Bool: return 0;
      case DType::UInt8: return 1;
      case DType::Int64: return 2;
      case DType::Float16: return 3;
      case DType::BFloat16: return 4;
      case DType::Float32: return 5;
      case DType::Float64: return 6;
    }
    return 0;
  };
  if ((a == DType::Float16 && b == DType::BFloat16) || (a == DType::BFloat16 && b == DType::Float16))
    return DType::Float32;
  return rank(a) > rank(b) ? a : b;
}

// ---- 16-bit floats: storage only, converted through float ------------------------------------

inline uint32_t float_bits(float f) { uint32_t u; std::memcpy(&u, &f, 4); return u; }
inline float bits_float(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }

struct BFloat16 {
  uint16_t bits = 0;
  BFloat16() = default;
  // Round to nearest even; NaN stays NaN.
  explicit BFloat16(float f) {
    uint32_t u = float_bits(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) { bits = uint16_t((u >> 16) | 0x40); return; }
    u += 0x7fffu + ((u >> 16) & 1u);
    bits = uint16_t(u >> 16);
  }
  explicit operator float() const { return bits_float(uint32_t(bits) << 16); }
};

struct Float16 {
  uint16_t bits = 0;
  Float16() = default;
  // IEEE 754 binary16 with round to nearest even, subnormals, infinities and NaN.
  explicit Float16(float f) {
    uint32_t u = float_bits(f);
    uint16_t sign = uint16_t((u >> 16) & 0x8000u);
    uint32_t a = u & 0x7fffffffu;
    if (a > 0x7f800000u) { bits = sign | 0x7e00u; return; }           // NaN
    if (a >= 0x47800000u) { bits = sign | 0x7c00u; return; }          // overflow -> inf
    if (a < 0x38800000u) {                                            // subnormal or zero
      // Adding 0.5 scales the value so the subnormal mantissa lands in the low bits, rounded.
      float sub = bits_float(a) + 0.5f;
      bits = sign | uint16_t(float_bits(sub) - 0x3f000000u);
      return;
    }
    uint32_t mant_odd = (a >> 13) & 1u;
    a += 0xc8000fffu + mant_odd;  // rebias exponent (-112 << 23) and round to nearest even
    bits = sign | uint16_t(a >> 13);
  }
  explicit operator float() const {
    uint32_t sign = uint32_t(bits & 0x8000u) << 16;
    uint32_t exp = (bits >> 10) & 0x1fu, mant = bits & 0x3ffu;
    if (exp == 0) {  // zero or subnormal: mant * 2^-24
      float v = float(mant) * 5.9604644775390625e-8f;
      return bits_float(float_bits(v) | sign);
    }
    if (exp == 31) return bits_float(sign | 0x7f800000u | (mant << 13));
    return bits_float(sign | ((exp + 112u) << 23) | (mant << 13));
  }
};

// C++ type <-> DType.
template <class T> struct dtype_of;
template <> struct dtype_of<bool> { static constexpr DType value = DType::Bool; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::UInt8; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::Int64; };
template <> struct dtype_of<Float16> { static constexpr DType value = DType::Float16; };
template <> struct dtype_of<BFloat16> { static constexpr DType value = DType::BFloat16; };
template <> struct dtype_of<float> { static constexpr DType value = DType::Float32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::Float64; };

template <class T> struct TypeTag { using type = T; };

// Calls fn(TypeTag<T>{}) with T the C++ type of `t` (any dtype). Bool is stored as one byte.
template <class Fn>
decltype(auto) visit_dtype(DType t, Fn&& fn) {
  switch (t) {
    case DType::Bool: return fn(TypeTag<bool>{});
    case DType::UInt8: return fn(TypeTag<uint8_t>{});
    case DType::Int64: return fn(TypeTag<int64_t>{});
    case DType::Float16: return fn(TypeTag<Float16>{});
    case DType::BFloat16: return fn(TypeTag<BFloat16>{});
    case DType::Float32: return fn(TypeTag<float>{});
    case DType::Float64: return fn(TypeTag<double>{});
  }
  detail::fail("visit_dtype: invalid dtype");
}

// Same, restricted to the compute types; `op` names the caller in the error for other types.
template <class Fn>
decltype(auto) visit_compute_dtype(DType t, const char* op, Fn&& fn) {
  switch (t) {
    case DType::UInt8: return fn(TypeTag<uint8_t>{});
    case DType::Int64: return fn(TypeTag<int64_t>{});
    case DType::Float32: return fn(TypeTag<float>{});
    case DType::Float64: return fn(TypeTag<double>{});
    default: break;
  }
  detail::fail(op, ": dtype ", dtype_name(t), " is not supported (expected uint8, int64, float32 or float64;",
               " convert 16-bit floats with to(float32) first)");
}

template <class Fn>
decltype(auto) visit_floating_dtype(DType t, const char* op, Fn&& fn) {
  switch (t) {
    case DType::Float32: return fn(TypeTag<float>{});
    case DType::Float64: return fn(TypeTag<double>{});
    default: break;
  }
  detail::fail(op, ": dtype ", dtype_name(t), " is not supported (expected float32 or float64)");
}

}  // namespace minitorch
