// Linear layers as single ops with hand-written backward: the hottest ops of ConvNeXt (about
// 90% of its FLOPs), so they avoid every extra pass and every tensor autograd does not need.
//
//   y = x W^T + b:   dx = dy W,   dW = dy^T x,   db = sum over rows of dy
#include "../internal.hpp"
#include "minitorch/ops/creation.hpp"
#include "minitorch/ops/elementwise.hpp"
#include "minitorch/ops/linalg.hpp"
#include "minitorch/ops/reduce.hpp"

namespace minitorch {

namespace {

void check_linear(const char* op, const Tensor& x, const Tensor& weight, const Tensor& bias) {
  MT_CHECK(weight.dim() == 2, op, ": weight must be [out_features, in_features], got ", shape_str(weight.shape()));
  MT_CHECK(x.dim() >= 1 && x.size(-1) == weight.size(1), op, ": input of shape ", shape_str(x.shape()),
           " does not end in in_features = ", weight.size(1));
  MT_CHECK(x.dtype() == weight.dtype() && (x.dtype() == kFloat32 || x.dtype() == kFloat64), op,
           ": input and weight must both be float32 or both float64, got ", dtype_name(x.dtype()), " and ",
           dtype_name(weight.dtype()));
  if (bias.defined())
    MT_CHECK(bias.dim() == 1 && bias.size(0) == weight.size(0) && bias.dtype() == x.dtype(), op, ": bias must be [",
             weight.size(0), "] of the input's dtype (", dtype_name(x.dtype()), "), got ", shape_str(bias.shape()), " of ",
             dtype_name(bias.dtype()));
  internal::common_device(op, {x, weight, bias});
}

// rows @ weight^T + bias as a new [rows, out] tensor of dtype `out_dtype` (no autograd). rows and
// weight are in the operand dtype (out_dtype, or bfloat16 under autocast).
Tensor affine(const Tensor& rows, const Tensor& weight, const Tensor& bias, DType out_dtype) {
  Tensor out = empty({rows.size(0), weight.size(0)}, {.dtype = out_dtype, .device = rows.device()});
  double beta = 0;
  if (bias.defined()) {
    out.copy_(bias.detach());  // broadcast over the rows; the GEMM then adds onto it
    beta = 1;
  }
  internal::gemm_into(rows, weight.t(), out, beta);
  return out;
}

// The three gradients of y = rows W^T + b, for those that are wanted. g is the output gradient,
// g_operand the same in the operand dtype of rows and weight (g itself without autocast).
void affine_backward(const Tensor& g, const Tensor& g_operand, const Tensor& rows, const Tensor& weight, bool want_x,
                     bool want_w, bool want_b, Tensor& gx, Tensor& gw, Tensor& gb) {
  if (want_x) {
    gx = empty({g.size(0), weight.size(1)}, g.options());
    internal::gemm_into(g_operand, weight, gx, 0);
  }
  if (want_w) {
    gw = empty(weight.shape(), g.options());
    internal::gemm_into(g_operand.t(), rows, gw, 0);
  }
  if (want_b) gb = sum(g, {0});  // from the full-precision gradient
}

Shape with_last(const Shape& shape, int64_t last) {
  Shape s = shape;
  s.back() = last;
  return s;
}

}  // namespace

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check_linear("linear", x, weight, bias);
  const int64_t in = weight.size(1), out_features = weight.size(0);
  const DType operand = internal::gemm_operand_dtype(x.dtype());
  const Tensor rows = internal::as_operand(internal::as_rows(x.detach(), in), operand);
  const Tensor w = internal::as_operand(weight.detach(), operand);  // no copy without autocast
  Tensor out = affine(rows, w, bias, x.dtype()).view(with_last(x.shape(), out_features));
  SavedTensor sx(weight.requires_grad() ? rows : Tensor()), sw(w);
  const Shape x_shape = x.shape();
  return record("AddmmBackward0", {x, weight, bias}, out, [=](const Tensor& grad) {
    const Tensor g = internal::as_rows(grad, out_features);
    Tensor gx, gw, gb;
    affine_backward(g, internal::as_operand(g, operand), sx.get(), sw.get(), x.requires_grad(),
                    weight.requires_grad(), bias.defined() && bias.requires_grad(), gx, gw, gb);
    return Tensors{gx.defined() ? gx.view(x_shape) : gx, gw, gb};
  });
}

Tensor mlp_gelu(const Tensor& x, const Tensor& w1, const Tensor& b1, const Tensor& w2, const Tensor& b2) {
  check_linear("mlp_gelu", x, w1, b1);
  MT_CHECK(w2.dim() == 2 && w2.size(1) == w1.size(0), "mlp_gelu: second weight must be [out, ", w1.size(0), "], got ",
           shape_str(w2.shape()));
  const int64_t in = w1.size(1), out_features = w2.size(0);
  const DType dtype = x.dtype(), operand = internal::gemm_operand_dtype(dtype);
  const Tensor rows = internal::as_operand(internal::as_rows(x.detach(), in), operand);
  const Tensor w1o = internal::as_operand(w1.detach(), operand), w2o = internal::as_operand(w2.detach(), operand);
  Tensor h = affine(rows, w1o, b1, dtype);  // pre-activation, kept for backward
  Tensor out;
  {
    NoGradGuard no_grad;
    out = affine(internal::as_operand(gelu(h), operand), w2o, b2, dtype).view(with_last(x.shape(), out_features));
  }
  SavedTensor sx(rows), sh(h), sw1(w1o), sw2(w2o);
  const Shape x_shape = x.shape();
  return record("MlpGeluBackward0", {x, w1, b1, w2, b2}, out, [=](const Tensor& grad) {
    const Tensor g = internal::as_rows(grad, out_features), hv = sh.get();
    const Tensor g_op = internal::as_operand(g, operand);
    // Ordered so that at most two hidden-sized tensors are alive at once (plus, under autocast,
    // the bf16 copy of the hidden gradient).
    Tensor gw2, gb2, unused;
    {
      const Tensor a = internal::as_operand(gelu(hv), operand);  // recomputed instead of saved
      affine_backward(g, g_op, a, sw2.get(), false, w2.requires_grad(), b2.defined() && b2.requires_grad(), unused,
                      gw2, gb2);
    }
    Tensor g_h;
    affine_backward(g, g_op, Tensor(), sw2.get(), true, false, false, g_h, unused, unused);
    internal::gelu_backward_(hv, g_h);  // g_h *= gelu'(h), in place
    Tensor gx, gw1, gb1;
    affine_backward(g_h, internal::as_operand(g_h, operand), sx.get(), sw1.get(), x.requires_grad(),
                    w1.requires_grad(), b1.defined() && b1.requires_grad(), gx, gw1, gb1);
    return Tensors{gx.defined() ? gx.view(x_shape) : gx, gw1, gb1, gw2, gb2};
  });
}

}  // namespace minitorch
