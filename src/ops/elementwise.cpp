// Elementwise ops: forward through the backend's unary/binary kernels, backward right below
// each forward. Broadcasting: an input that was broadcast gets its gradient summed back to its
// own shape (sum_to).
#include "minitorch/ops/elementwise.hpp"

#include <cmath>

#include "../internal.hpp"
#include "minitorch/ops/creation.hpp"
#include "minitorch/ops/reduce.hpp"

namespace minitorch {

using internal::backend;
using internal::strided;
using internal::strided_as;
using kernels::BinaryOp;
using kernels::UnaryOp;

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    MT_CHECK(da == db || da == 1 || db == 1, op, ": shapes ", shape_str(a), " and ", shape_str(b),
             " cannot be broadcast (dim ", i, ": ", da, " vs ", db, ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

namespace {

void check_compute_dtype(const char* op, DType t) {
  MT_CHECK(is_compute_type(t) || t == kBool, op, ": dtype ", dtype_name(t),
           " is not supported (expected uint8, int64, float32 or float64; convert with to(kFloat32))");
}

// PyTorch's kinds of dtype, in promotion order: bool < integers < floating point.
int dtype_kind(DType t) { return t == kBool ? 0 : (is_floating(t) ? 2 : 1); }

// The dtype `a op b` computes in: PyTorch's promotion, where a 0-dim operand does not widen a
// dimensioned one of the same or a lower kind (float32 tensor * float64 scalar stays float32),
// but one of a higher kind does (bool tensor * int64 scalar is int64).
DType result_dtype(const Tensor& a, const Tensor& b) {
  const bool a_scalar = a.dim() == 0, b_scalar = b.dim() == 0;
  if (a_scalar != b_scalar) {
    const Tensor& scalar = a_scalar ? a : b;
    const Tensor& dimensioned = a_scalar ? b : a;
    if (dtype_kind(scalar.dtype()) <= dtype_kind(dimensioned.dtype())) return dimensioned.dtype();
  }
  return promote_types(a.dtype(), b.dtype());
}

DType floating_or_float32(DType t) { return is_floating(t) ? t : kFloat32; }

// out = kernel(x) in dtype `t`, no autograd.
Tensor run_unary(const char* op, UnaryOp kop, const Tensor& x, DType t, kernels::UnaryParams p = {}) {
  check_compute_dtype(op, t);
  Tensor in = x.dtype() == t ? x : x.detach().to(t);
  Tensor out = empty(x.shape(), {.dtype = t, .device = x.device()});
  backend(x).unary(kop, t, strided(in, op), strided(out, op), p);
  return out;
}

// out = kernel(a, b) broadcast, computed in dtype `t`, no autograd.
Tensor run_binary(const char* op, BinaryOp kop, const Tensor& a, const Tensor& b, DType t) {
  internal::common_device(op, {a, b});
  check_compute_dtype(op, t);
  if (t == kBool && !kernels::is_comparison(kop)) {
    // As in PyTorch: + and max are logical or, * and min logical and, all kept bool; - of two
    // bool tensors is an error. Computed in int64, then mapped back to bool.
    MT_CHECK(kop != BinaryOp::Sub, op, ": subtracting two bool tensors is not supported (a != b is their xor)");
    return run_binary(op, kop, a, b, kInt64).to(kBool);
  }
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), op);
  Tensor ca = a.dtype() == t ? a.detach() : a.detach().to(t);
  Tensor cb = b.dtype() == t ? b.detach() : b.detach().to(t);
  Tensor out = empty(shape, {.dtype = kernels::is_comparison(kop) ? kBool : t, .device = a.device()});
  backend(a).binary(kop, t, strided_as(ca, shape, op), strided_as(cb, shape, op), strided(out, op));
  return out;
}

// Gradients of float ops come back in the input's floating dtype; integer inputs get none.
Tensor grad_for(const Tensor& input, const Tensor& g) {
  if (!is_floating(input.dtype())) return Tensor();
  return sum_to(g, input.shape());
}

}  // namespace

// ---- binary arithmetic --------------------------------------------------------------------

Tensor add(const Tensor& a, const Tensor& b, double alpha) {
  Tensor scaled_b = alpha == 1 ? b : mul(b, scalar_like(alpha, b));
  Tensor out = run_binary("add", BinaryOp::Add, a, scaled_b, result_dtype(a, scaled_b));
  return record("AddBackward0", {a, b}, out, [a, b, alpha](const Tensor& g) {
    return Tensors{grad_for(a, g), grad_for(b, alpha == 1 ? g : g * alpha)};
  });
}

Tensor sub(const Tensor& a, const Tensor& b) {
  Tensor out = run_binary("sub", BinaryOp::Sub, a, b, result_dtype(a, b));
  return record("SubBackward0", {a, b}, out, [a, b](const Tensor& g) { return Tensors{grad_for(a, g), grad_for(b, -g)}; });
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = run_binary("mul", BinaryOp::Mul, a, b, result_dtype(a, b));
  // d(ab)/da = b, d(ab)/db = a
  SavedTensor sa(b.requires_grad() ? a : Tensor()), sb(a.requires_grad() ? b : Tensor());  // only what is needed
  return record("MulBackward0", {a, b}, out, [a, b, sa, sb](const Tensor& g) {
    return Tensors{a.requires_grad() ? grad_for(a, g * sb.get()) : Tensor(),
                   b.requires_grad() ? grad_for(b, g * sa.get()) : Tensor()};
  });
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = run_binary("div", BinaryOp::Div, a, b, floating_or_float32(result_dtype(a, b)));
  // d(a/b)/da = 1/b, d(a/b)/db = -a/b^2 = -out/b
  SavedTensor sb(b), sout(out.detach());
  return record("DivBackward0", {a, b}, out, [a, b, sb, sout](const Tensor& g) {
    const Tensor bb = sb.get();
    return Tensors{a.requires_grad() ? grad_for(a, g / bb) : Tensor(),
                   b.requires_grad() ? grad_for(b, -g * sout.get() / bb) : Tensor()};
  });
}

Tensor pow(const Tensor& base, const Tensor& exponent) {
  Tensor out = run_binary("pow", BinaryOp::Pow, base, exponent, floating_or_float32(result_dtype(base, exponent)));
  // d(a^b)/da = b a^(b-1);  d(a^b)/db = a^b ln a (taken as 0 where a = 0, as PyTorch does)
  SavedTensor sa(base), sb(exponent), sout(out.detach());
  return record("PowBackward1", {base, exponent}, out, [base, exponent, sa, sb, sout](const Tensor& g) {
    const Tensor a = sa.get(), b = sb.get();
    Tensor ga, gb;
    if (base.requires_grad()) ga = grad_for(base, g * b * pow(a, b - 1.0));
    if (exponent.requires_grad()) {
      Tensor safe_log = where(a == 0.0, zeros_like(a), log(a));
      gb = grad_for(exponent, g * sout.get() * safe_log);
    }
    return Tensors{ga, gb};
  });
}

Tensor pow(const Tensor& x, double exponent) {
  const DType t = floating_or_float32(x.dtype());
  Tensor out = run_unary("pow", UnaryOp::PowScalar, x, t, {exponent});
  // d(x^e)/dx = e x^(e-1)
  SavedTensor sx(x);
  return record("PowBackward0", {x}, out, [sx, exponent](const Tensor& g) {
    if (exponent == 0) return Tensors{zeros_like(g)};
    return Tensors{g * exponent * pow(sx.get(), exponent - 1)};
  });
}

namespace {
// maximum/minimum: the gradient goes to the input that was taken, half to each on a tie.
Tensor extremum(const char* op, const char* node, BinaryOp kop, const Tensor& a, const Tensor& b) {
  Tensor out = run_binary(op, kop, a, b, result_dtype(a, b));
  SavedTensor sa(a), sb(b);
  const bool is_max = kop == BinaryOp::Maximum;
  return record(node, {a, b}, out, [a, b, sa, sb, is_max](const Tensor& g) {
    const Tensor x = sa.get(), y = sb.get();
    Tensor a_wins = (is_max ? gt(x, y) : lt(x, y)).to(g.dtype()) + eq(x, y).to(g.dtype()) * 0.5;
    return Tensors{grad_for(a, g * a_wins), grad_for(b, g * (1.0 - a_wins))};
  });
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) { return extremum("maximum", "MaximumBackward0", BinaryOp::Maximum, a, b); }
Tensor minimum(const Tensor& a, const Tensor& b) { return extremum("minimum", "MinimumBackward0", BinaryOp::Minimum, a, b); }

// ---- unary math ---------------------------------------------------------------------------

Tensor neg(const Tensor& x) {
  MT_CHECK(x.dtype() != kBool, "neg: negating a bool tensor is not supported (to invert a mask, use x == false)");
  Tensor out = run_unary("neg", UnaryOp::Neg, x, x.dtype());
  return record("NegBackward0", {x}, out, [](const Tensor& g) { return Tensors{-g}; });
}

Tensor abs(const Tensor& x) {
  Tensor out = run_unary("abs", UnaryOp::Abs, x, x.dtype());
  // d|x|/dx = sign(x) (0 at 0, as PyTorch)
  SavedTensor sx(x);
  return record("AbsBackward0", {x}, out, [sx](const Tensor& g) { return Tensors{g * sign(sx.get())}; });
}

Tensor sign(const Tensor& x) {
  Tensor out = run_unary("sign", UnaryOp::Sign, x, x.dtype());
  return record("SignBackward0", {x}, out, [](const Tensor& g) { return Tensors{zeros_like(g)}; });
}

Tensor exp(const Tensor& x) {
  Tensor out = run_unary("exp", UnaryOp::Exp, x, floating_or_float32(x.dtype()));
  SavedTensor sy(out.detach());  // d e^x/dx = e^x
  return record("ExpBackward0", {x}, out, [sy](const Tensor& g) { return Tensors{g * sy.get()}; });
}

Tensor log(const Tensor& x) {
  Tensor out = run_unary("log", UnaryOp::Log, x, floating_or_float32(x.dtype()));
  SavedTensor sx(x);  // d ln x/dx = 1/x
  return record("LogBackward0", {x}, out, [sx](const Tensor& g) { return Tensors{g / sx.get()}; });
}

Tensor sqrt(const Tensor& x) {
  Tensor out = run_unary("sqrt", UnaryOp::Sqrt, x, floating_or_float32(x.dtype()));
  SavedTensor sy(out.detach());  // d sqrt(x)/dx = 1 / (2 sqrt(x))
  return record("SqrtBackward0", {x}, out, [sy](const Tensor& g) { return Tensors{g / (sy.get() * 2.0)}; });
}

Tensor rsqrt(const Tensor& x) {
  Tensor out = run_unary("rsqrt", UnaryOp::Rsqrt, x, floating_or_float32(x.dtype()));
  SavedTensor sy(out.detach());  // d x^(-1/2)/dx = -1/2 x^(-3/2) = -1/2 y^3
  return record("RsqrtBackward0", {x}, out, [sy](const Tensor& g) {
    const Tensor y = sy.get();
    return Tensors{g * y * y * y * -0.5};
  });
}

namespace {
// y = f(x) whose gradient is a fused kernel grad_op(saved, g); `save_output` picks y or x.
Tensor unary_with_grad_kernel(const char* op, const char* node, UnaryOp fwd, BinaryOp grad_op, const Tensor& x,
                              bool save_output) {
  Tensor out = run_unary(op, fwd, x, floating_or_float32(x.dtype()));
  SavedTensor saved(save_output ? out.detach() : x);
  return record(node, {x}, out, [saved, grad_op, op](const Tensor& g) {
    const Tensor s = saved.get();
    return Tensors{run_binary(op, grad_op, s, g, s.dtype())};
  });
}
}  // namespace

Tensor tanh(const Tensor& x) { return unary_with_grad_kernel("tanh", "TanhBackward0", UnaryOp::Tanh, BinaryOp::TanhGrad, x, true); }
Tensor sigmoid(const Tensor& x) {
  return unary_with_grad_kernel("sigmoid", "SigmoidBackward0", UnaryOp::Sigmoid, BinaryOp::SigmoidGrad, x, true);
}
Tensor erf(const Tensor& x) { return unary_with_grad_kernel("erf", "ErfBackward0", UnaryOp::Erf, BinaryOp::ErfGrad, x, false); }
Tensor gelu(const Tensor& x, bool tanh_approximation) {
  return tanh_approximation
             ? unary_with_grad_kernel("gelu", "GeluBackward0", UnaryOp::GeluTanh, BinaryOp::GeluTanhGrad, x, false)
             : unary_with_grad_kernel("gelu", "GeluBackward0", UnaryOp::Gelu, BinaryOp::GeluGrad, x, false);
}

void internal::gelu_backward_(const Tensor& x, Tensor& g) {
  MT_CHECK(x.shape() == g.shape() && x.dtype() == g.dtype(), "gelu_backward_: x and g must match");
  backend(g).binary(BinaryOp::GeluGrad, g.dtype(), strided(x), strided(g), strided(g));  // out aliases g
}

Tensor relu(const Tensor& x) {
  if (!is_floating(x.dtype())) return run_unary("relu", UnaryOp::Relu, x, x.dtype());
  return unary_with_grad_kernel("relu", "ReluBackward0", UnaryOp::Relu, BinaryOp::ReluGrad, x, true);
}

Tensor clamp(const Tensor& x, double min, double max) {
  MT_CHECK(!(min > max), "clamp: min ", min, " is greater than max ", max);
  Tensor out = run_unary("clamp", UnaryOp::Clamp, x, x.dtype(), {min, max});
  // The gradient passes where min <= x <= max.
  SavedTensor sx(x);
  return record("ClampBackward1", {x}, out, [sx, min, max](const Tensor& g) {
    const Tensor v = sx.get();
    return Tensors{g * (v >= min).to(g.dtype()) * (v <= max).to(g.dtype())};
  });
}
Tensor clamp_min(const Tensor& x, double min) { return clamp(x, min, INFINITY); }
Tensor clamp_max(const Tensor& x, double max) { return clamp(x, -INFINITY, max); }

// ---- where and comparisons ---------------------------------------------------------------

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  MT_CHECK(cond.dtype() == kBool, "where: condition must be bool, got ", dtype_name(cond.dtype()));
  internal::common_device("where", {cond, a, b});
  const DType t = result_dtype(a, b);
  const Shape shape = broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  Tensor ca = a.detach().to(t), cb = b.detach().to(t);
  Tensor out = empty(shape, {.dtype = t, .device = a.device()});
  backend(a).where(t, strided_as(cond, shape, "where"), strided_as(ca, shape, "where"), strided_as(cb, shape, "where"),
                   strided(out));
  SavedTensor sc(cond);
  return record("WhereBackward0", {a, b}, out, [a, b, sc](const Tensor& g) {
    const Tensor c = sc.get(), zero = zeros({}, {.dtype = g.dtype(), .device = g.device()});
    return Tensors{grad_for(a, where(c, g, zero)), grad_for(b, where(c, zero, g))};
  });
}

Tensor eq(const Tensor& a, const Tensor& b) { return run_binary("eq", BinaryOp::Eq, a, b, result_dtype(a, b)); }
Tensor ne(const Tensor& a, const Tensor& b) { return run_binary("ne", BinaryOp::Ne, a, b, result_dtype(a, b)); }
Tensor lt(const Tensor& a, const Tensor& b) { return run_binary("lt", BinaryOp::Lt, a, b, result_dtype(a, b)); }
Tensor le(const Tensor& a, const Tensor& b) { return run_binary("le", BinaryOp::Le, a, b, result_dtype(a, b)); }
Tensor gt(const Tensor& a, const Tensor& b) { return run_binary("gt", BinaryOp::Gt, a, b, result_dtype(a, b)); }
Tensor ge(const Tensor& a, const Tensor& b) { return run_binary("ge", BinaryOp::Ge, a, b, result_dtype(a, b)); }

Tensor scalar_like(double value, const Tensor& like) {
  DType t = like.dtype();
  if (!is_floating(t) && value != std::floor(value)) t = kFloat32;
  if (t == kBool) t = kInt64;
  return full({}, value, {.dtype = t, .device = like.device()});
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& x) { return neg(x); }
Tensor operator+(const Tensor& a, double b) { return add(a, scalar_like(b, a)); }
Tensor operator-(const Tensor& a, double b) { return sub(a, scalar_like(b, a)); }
Tensor operator*(const Tensor& a, double b) { return mul(a, scalar_like(b, a)); }
Tensor operator/(const Tensor& a, double b) { return div(a, scalar_like(b, a)); }
Tensor operator+(double a, const Tensor& b) { return add(scalar_like(a, b), b); }
Tensor operator-(double a, const Tensor& b) { return sub(scalar_like(a, b), b); }
Tensor operator*(double a, const Tensor& b) { return mul(scalar_like(a, b), b); }
Tensor operator/(double a, const Tensor& b) { return div(scalar_like(a, b), b); }
Tensor operator==(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor operator!=(const Tensor& a, const Tensor& b) { return ne(a, b); }
Tensor operator<(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor operator<=(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor operator>(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor operator>=(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor operator==(const Tensor& a, double b) { return eq(a, scalar_like(b, a)); }
Tensor operator!=(const Tensor& a, double b) { return ne(a, scalar_like(b, a)); }
Tensor operator<(const Tensor& a, double b) { return lt(a, scalar_like(b, a)); }
Tensor operator<=(const Tensor& a, double b) { return le(a, scalar_like(b, a)); }
Tensor operator>(const Tensor& a, double b) { return gt(a, scalar_like(b, a)); }
Tensor operator>=(const Tensor& a, double b) { return ge(a, scalar_like(b, a)); }

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol) {
  MT_CHECK(a.shape() == b.shape(), "allclose: shapes ", shape_str(a.shape()), " and ", shape_str(b.shape()), " differ");
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  for (size_t i = 0; i < x.size(); ++i) {
    if (std::isnan(x[i]) || std::isnan(y[i])) return false;
    if (std::abs(x[i] - y[i]) > atol + rtol * std::abs(y[i])) return false;
  }
  return true;
}

// ---- in-place forms (no autograd: rejected on tensors that need it) ----------------------

namespace {
// As in PyTorch, an in-place result keeps the target's dtype only when `target op other` would
// not need a higher kind: an int64 tensor cannot take a float product (it would be truncated).
void check_castable(const char* op, const Tensor& target, const Tensor& other) {
  const DType result = result_dtype(target, other);
  MT_CHECK(dtype_kind(result) <= dtype_kind(target.dtype()), op, ": the result type ", dtype_name(result),
           " cannot be stored in the ", dtype_name(target.dtype()), " tensor (use the out-of-place op)");
}
}  // namespace

Tensor& Tensor::add_(const Tensor& other, double alpha) {
  check_inplace(*this, "add_");
  internal::check_writable_in_place("add_", *this);
  const DType t = dtype();
  check_compute_dtype("add_", t);
  Tensor o = internal::inplace_source("add_", *this, other);
  if (alpha != 1) o = o * alpha;
  check_castable("add_", *this, o);
  Tensor ov = o.to(t);
  backend(*this).binary(BinaryOp::Add, t, strided(*this, "add_"), strided_as(ov, shape(), "add_"), strided(*this));
  storage()->bump_version();
  return *this;
}
Tensor& Tensor::add_(double value) { return add_(scalar_like(value, *this)); }

Tensor& Tensor::mul_(const Tensor& other) {
  check_inplace(*this, "mul_");
  internal::check_writable_in_place("mul_", *this);
  const DType t = dtype();
  check_compute_dtype("mul_", t);
  Tensor o = internal::inplace_source("mul_", *this, other);
  check_castable("mul_", *this, o);
  o = o.to(t);
  backend(*this).binary(BinaryOp::Mul, t, strided(*this, "mul_"), strided_as(o, shape(), "mul_"), strided(*this));
  storage()->bump_version();
  return *this;
}
Tensor& Tensor::mul_(double value) { return mul_(scalar_like(value, *this)); }

Tensor& Tensor::div_(const Tensor& other) {
  check_inplace(*this, "div_");
  internal::check_writable_in_place("div_", *this);
  MT_CHECK(is_floating(dtype()), "div_: in-place division needs a floating tensor, got ", dtype_name(dtype()));
  Tensor o = internal::inplace_source("div_", *this, other).to(dtype());
  backend(*this).binary(BinaryOp::Div, dtype(), strided(*this, "div_"), strided_as(o, shape(), "div_"), strided(*this));
  storage()->bump_version();
  return *this;
}

Tensor& Tensor::clamp_(double min, double max) {
  check_inplace(*this, "clamp_");
  backend(*this).unary(UnaryOp::Clamp, dtype(), strided(*this, "clamp_"), strided(*this), {min, max});
  storage()->bump_version();
  return *this;
}

// ---- method forms -----------------------------------------------------------------------------

Tensor Tensor::pow(double exponent) const { return minitorch::pow(*this, exponent); }
Tensor Tensor::exp() const { return minitorch::exp(*this); }
Tensor Tensor::log() const { return minitorch::log(*this); }
Tensor Tensor::sqrt() const { return minitorch::sqrt(*this); }
Tensor Tensor::abs() const { return minitorch::abs(*this); }
Tensor Tensor::relu() const { return minitorch::relu(*this); }
Tensor Tensor::sigmoid() const { return minitorch::sigmoid(*this); }
Tensor Tensor::tanh() const { return minitorch::tanh(*this); }

}  // namespace minitorch
