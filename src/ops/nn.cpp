// Layer ops: LayerNorm, convolutions over NHWC activations, dropout and stochastic depth.
#include "minitorch/ops/nn.hpp"

#include "../internal.hpp"
#include "minitorch/ops/creation.hpp"
#include "minitorch/ops/elementwise.hpp"
#include "minitorch/ops/indexing.hpp"
#include "minitorch/ops/linalg.hpp"
#include "minitorch/ops/reduce.hpp"

namespace minitorch {

namespace {

void check_float(const char* op, const Tensor& t) {
  MT_CHECK(t.dtype() == kFloat32 || t.dtype() == kFloat64, op, ": needs float32 or float64, got ",
           dtype_name(t.dtype()));
}

const void* data_or_null(const Tensor& t) { return t.defined() ? t.raw_data() : nullptr; }

}  // namespace

// ---- LayerNorm ------------------------------------------------------------------------------------

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps) {
  check_float("layer_norm", x);
  MT_CHECK(x.dim() >= 1, "layer_norm: needs at least 1 dim");
  const int64_t C = x.size(-1), rows = x.numel() / std::max<int64_t>(C, 1);
  for (const Tensor* p : {&weight, &bias})
    if (p->defined())
      MT_CHECK(p->dim() == 1 && p->size(0) == C && p->dtype() == x.dtype(), "layer_norm: weight and bias must be [", C,
               "] of dtype ", dtype_name(x.dtype()), ", got ", shape_str(p->shape()), " ", dtype_name(p->dtype()));
  internal::common_device("layer_norm", {x, weight, bias});
  const Tensor xc = x.detach().contiguous();
  Tensor y = empty(x.shape(), x.options());
  Tensor mean = empty({rows}, x.options()), rstd = empty({rows}, x.options());
  const Tensor w = weight.defined() ? weight.detach().contiguous() : Tensor();
  const Tensor b = bias.defined() ? bias.detach().contiguous() : Tensor();
  internal::backend(x).layer_norm_forward(x.dtype(), xc.raw_data(), rows, C, data_or_null(w), data_or_null(b), eps,
                                          y.raw_data(), mean.raw_data(), rstd.raw_data());
  // Backward (kernels/cpu/layer_norm.cpp): only x, mean and rstd are kept.
  SavedTensor sx(xc), sw(w);
  return record("NativeLayerNormBackward0", {x, weight, bias}, y, [=](const Tensor& g) {
    const Tensor xs = sx.get(), ws = sw.get(), gy = g.contiguous();
    Tensor gx = x.requires_grad() ? empty(x.shape(), x.options()) : Tensor();
    Tensor gw = weight.defined() && weight.requires_grad() ? empty({C}, x.options()) : Tensor();
    Tensor gb = bias.defined() && bias.requires_grad() ? empty({C}, x.options()) : Tensor();
    internal::backend(xs).layer_norm_backward(xs.dtype(), gy.raw_data(), xs.raw_data(), mean.raw_data(),
                                              rstd.raw_data(), data_or_null(ws), rows, C,
                                              gx.defined() ? gx.raw_data() : nullptr,
                                              gw.defined() ? gw.raw_data() : nullptr,
                                              gb.defined() ? gb.raw_data() : nullptr);
    return Tensors{gx, gw, gb};
  });
}

// ---- convolution ----------------------------------------------------------------------------------

namespace {

kernels::ConvGeometry geometry(const char* op, const Tensor& x, const Tensor& weight, const Conv2dOptions& o) {
  kernels::ConvGeometry g;
  g.batch = x.size(0);
  g.in_h = x.size(1);
  g.in_w = x.size(2);
  g.channels = x.size(3);
  g.kernel_h = weight.size(2);
  g.kernel_w = weight.size(3);
  g.stride_h = o.stride[0];
  g.stride_w = o.stride[1];
  g.pad_h = o.padding[0];
  g.pad_w = o.padding[1];
  MT_CHECK(g.stride_h > 0 && g.stride_w > 0 && g.pad_h >= 0 && g.pad_w >= 0, op,
           ": stride must be positive and padding non-negative");
  g.out_h = (g.in_h + 2 * g.pad_h - g.kernel_h) / g.stride_h + 1;
  g.out_w = (g.in_w + 2 * g.pad_w - g.kernel_w) / g.stride_w + 1;
  MT_CHECK(g.in_h + 2 * g.pad_h >= g.kernel_h && g.in_w + 2 * g.pad_w >= g.kernel_w, op, ": input ",
           shape_str(x.shape()), " (NHWC) padded by ", g.pad_h, "x", g.pad_w, " is smaller than the kernel ", g.kernel_h,
           "x", g.kernel_w);
  return g;
}

// groups == channels: our direct NHWC kernel.
Tensor depthwise_conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const kernels::ConvGeometry& g) {
  const Tensor xc = x.detach().contiguous();
  // [C, 1, kh, kw] -> [kh, kw, C]: the channel runs innermost, like the activations.
  const Tensor w = weight.detach().reshape({g.channels, g.kernel_h * g.kernel_w}).t().contiguous();
  const Tensor b = bias.defined() ? bias.detach().contiguous() : Tensor();
  Tensor y = empty({g.batch, g.out_h, g.out_w, g.channels}, x.options());
  internal::backend(x).depthwise_conv2d_forward(x.dtype(), g, xc.raw_data(), w.raw_data(), data_or_null(b), y.raw_data());
  SavedTensor sx(xc), sw(w);
  const Shape weight_shape = weight.shape();
  return record("ConvolutionBackward0", {x, weight, bias}, y, [=](const Tensor& grad) {
    const Tensor xs = sx.get(), ws = sw.get(), gy = grad.contiguous();
    Tensor gx = x.requires_grad() ? empty(x.shape(), x.options()) : Tensor();
    Tensor gw = weight.requires_grad() ? empty({g.kernel_h * g.kernel_w, g.channels}, x.options()) : Tensor();
    Tensor gb = bias.defined() && bias.requires_grad() ? empty({g.channels}, x.options()) : Tensor();
    internal::backend(xs).depthwise_conv2d_backward(xs.dtype(), g, gy.raw_data(), xs.raw_data(), ws.raw_data(),
                                                    gx.defined() ? gx.raw_data() : nullptr,
                                                    gw.defined() ? gw.raw_data() : nullptr,
                                                    gb.defined() ? gb.raw_data() : nullptr);
    if (gw.defined()) gw = gw.t().contiguous().reshape(weight_shape);
    return Tensors{gx, gw, gb};
  });
}

// Unfolds x into [N*OH*OW, kh*kw*C] rows (one per output pixel), differentiable.
Tensor im2col(const Tensor& x, const kernels::ConvGeometry& g) {
  const Tensor xc = x.detach().contiguous();
  Tensor cols = empty({g.batch * g.out_h * g.out_w, g.kernel_h * g.kernel_w * g.channels}, x.options());
  internal::backend(x).im2col(x.dtype(), g, xc.raw_data(), cols.raw_data());
  const Shape in_shape = x.shape();
  return record("Im2ColBackward0", {x}, cols, [=](const Tensor& grad) {
    const Tensor gc = grad.contiguous();
    Tensor gx = empty(in_shape, grad.options());
    internal::backend(gc).col2im(gc.dtype(), g, gc.raw_data(), gx.raw_data());
    return Tensors{gx};
  });
}

// groups == 1: every output pixel is a dot product of its input window with each filter.
Tensor dense_conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const kernels::ConvGeometry& g) {
  const int64_t out_c = weight.size(0), window = g.kernel_h * g.kernel_w * g.channels;
  // Filters as rows in the window's (i, j, c) order.
  const Tensor w_rows = weight.permute({0, 2, 3, 1}).reshape({out_c, window});
  Tensor cols;
  const bool patchify = g.stride_h == g.kernel_h && g.stride_w == g.kernel_w && g.pad_h == 0 && g.pad_w == 0 &&
                        g.in_h % g.kernel_h == 0 && g.in_w % g.kernel_w == 0;
  if (patchify) {
    // Non-overlapping windows: unfolding is a reshape and a permute, no im2col needed.
    cols = x.reshape({g.batch, g.out_h, g.kernel_h, g.out_w, g.kernel_w, g.channels})
               .permute({0, 1, 3, 2, 4, 5})
               .reshape({g.batch * g.out_h * g.out_w, window});
  } else {
    cols = im2col(x, g);
  }
  return linear(cols, w_rows, bias).reshape({g.batch, g.out_h, g.out_w, out_c});
}

}  // namespace

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, const Conv2dOptions& o) {
  check_float("conv2d", x);
  MT_CHECK(x.dim() == 4, "conv2d: input must be NHWC [N, H, W, C], got ", shape_str(x.shape()));
  MT_CHECK(weight.dim() == 4, "conv2d: weight must be [out, in/groups, kh, kw], got ", shape_str(weight.shape()));
  MT_CHECK(weight.dtype() == x.dtype(), "conv2d: weight dtype ", dtype_name(weight.dtype()), " differs from input ",
           dtype_name(x.dtype()));
  const int64_t in_c = x.size(3), out_c = weight.size(0), groups = o.groups;
  MT_CHECK(groups >= 1 && in_c % groups == 0 && out_c % groups == 0, "conv2d: groups ", groups,
           " must divide the input channels ", in_c, " and the output channels ", out_c);
  MT_CHECK(weight.size(1) * groups == in_c, "conv2d: weight ", shape_str(weight.shape()), " expects ",
           weight.size(1) * groups, " input channels (groups ", groups, "), the NHWC input ", shape_str(x.shape()),
           " has ", in_c);
  if (bias.defined())
    MT_CHECK(bias.dim() == 1 && bias.size(0) == out_c, "conv2d: bias must be [", out_c, "], got ",
             shape_str(bias.shape()));
  internal::common_device("conv2d", {x, weight, bias});
  const kernels::ConvGeometry g = geometry("conv2d", x, weight, o);
  if (groups == 1) return dense_conv2d(x, weight, bias, g);
  if (groups == in_c && out_c == in_c) return depthwise_conv2d(x, weight, bias, g);
  // Other grouped convolutions: one dense convolution per group, joined along channels.
  const int64_t in_per = in_c / groups, out_per = out_c / groups;
  std::vector<Tensor> outs;
  for (int64_t k = 0; k < groups; ++k) {
    Tensor xg = x.narrow(3, k * in_per, in_per);
    Tensor wg = weight.narrow(0, k * out_per, out_per);
    Tensor bg = bias.defined() ? bias.narrow(0, k * out_per, out_per) : Tensor();
    kernels::ConvGeometry gk = g;
    gk.channels = in_per;
    outs.push_back(dense_conv2d(xg, wg, bg, gk));
  }
  return cat(outs, 3);
}

// ---- dropout and stochastic depth ----------------------------------------------------------------

Tensor dropout(const Tensor& x, double p, bool training, Generator* gen) {
  MT_CHECK(p >= 0 && p <= 1, "dropout: p must be in [0, 1], got ", p);
  if (!training || p == 0) return x;
  if (p == 1) return x * 0.0;
  Tensor keep = (rand(x.shape(), {.dtype = x.dtype(), .device = x.device()}, gen) >= p).to(x.dtype());
  return x * (keep / (1 - p));
}

Tensor stochastic_depth(const Tensor& x, double p, bool training, Generator* gen) {
  MT_CHECK(p >= 0 && p <= 1, "stochastic_depth: p must be in [0, 1], got ", p);
  if (!training || p == 0) return x;
  MT_CHECK(x.dim() >= 1, "stochastic_depth: expected a batch (dim 0 is the sample), got a 0-dim tensor");
  Shape noise_shape(size_t(x.dim()), 1);
  noise_shape[0] = x.size(0);
  // torchvision: noise = bernoulli(1 - p) per sample, divided by (1 - p) when it survives.
  Tensor keep = (rand(noise_shape, {.dtype = x.dtype(), .device = x.device()}, gen) < (1 - p)).to(x.dtype());
  if (p < 1) keep = keep / (1 - p);
  return x * keep;
}

}  // namespace minitorch
