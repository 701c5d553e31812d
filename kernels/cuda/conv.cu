// Convolutions over NHWC activations on CUDA: the depthwise convolution (ConvNeXt's 7x7) forward
// and backward, and im2col/col2im for the dense ones (patchify stem, downsampling), whose
// products then go to cuBLAS. Channels are the fastest dim everywhere, so the threads of a warp
// read 32 neighbouring channels of one pixel: coalesced loads without shared-memory tiling.
// Stride-1 square depthwise convolutions (ConvNeXt's 7x7) in float32/float64 take the
// register-blocked strip kernels of kernels/depthwise_strips.hpp; the one-thread-per-element
// kernels below cover every other case and are what the strips are tested against. Each pass can
// also run through cuDNN (cudnn_depthwise.cu); depthwise_engine.cu keeps the faster of the two.
//
//   y[n, oh, ow, c] = bias[c] + sum_ij x[n, oh*s - p + i, ow*s - p + j, c] * w[i, j, c]
//   gx[n, ih, iw, c] = sum over (i, j, oh, ow) with oh*s - p + i = ih, ow*s - p + j = iw
//                      of gy[n, oh, ow, c] * w[i, j, c]
//   gw[i, j, c] = sum over (n, oh, ow) of gy[n, oh, ow, c] * x[n, oh*s - p + i, ow*s - p + j, c]
//   gbias[c] = sum over (n, oh, ow) of gy[n, oh, ow, c]
#include <type_traits>

#include "column_sums.cuh"
#include "depthwise_engine.cuh"
#include "depthwise_strips.hpp"

namespace minitorch::kernels::cuda_impl {

namespace {

// Input row (column) of output row oh (column ow) and tap i (j); may fall in the padding.
__device__ inline int64_t input_coordinate(int64_t out, int64_t stride, int64_t pad, int64_t tap) {
  return out * stride - pad + tap;
}

// Calls fn(position, i, j) for every output position whose tap (i, j) reads input pixel
// (n, ih, iw): oh*s - p + i = ih and ow*s - p + j = iw. The gathers of the input gradients use it.
template <class Fn>
__device__ inline void for_each_tap_reading(const ConvGeometry& g, int64_t n, int64_t ih, int64_t iw, Fn fn) {
  for (int64_t i = 0; i < g.kernel_h; ++i) {
    const int64_t oh_s = ih + g.pad_h - i;  // = oh * stride
    if (oh_s < 0 || oh_s % g.stride_h != 0 || oh_s / g.stride_h >= g.out_h) continue;
    for (int64_t j = 0; j < g.kernel_w; ++j) {
      const int64_t ow_s = iw + g.pad_w - j;
      if (ow_s < 0 || ow_s % g.stride_w != 0 || ow_s / g.stride_w >= g.out_w) continue;
      fn((n * g.out_h + oh_s / g.stride_h) * g.out_w + ow_s / g.stride_w, i, j);
    }
  }
}

// (n, ih, iw, c) of an NHWC input element.
struct InputElement {
  int64_t n, ih, iw, c;
};
__device__ inline InputElement input_element(const ConvGeometry& g, int64_t idx) {
  const int64_t c = idx % g.channels;
  int64_t rest = idx / g.channels;
  const int64_t iw = rest % g.in_w;
  rest /= g.in_w;
  return {rest / g.in_h, rest % g.in_h, iw, c};
}

template <class T>
__global__ void depthwise_forward_kernel(ConvGeometry g, const T* x, const T* w, const T* bias, T* y) {
  using A = acc_t<T>;
  const int64_t n_out = g.batch * g.out_h * g.out_w * g.channels;
  MT_GRID_STRIDE_LOOP(idx, n_out) {
    const int64_t c = idx % g.channels;
    int64_t rest = idx / g.channels;
    const int64_t ow = rest % g.out_w;
    rest /= g.out_w;
    const int64_t oh = rest % g.out_h;
    const int64_t n = rest / g.out_h;
    A acc = bias ? convert<A>(bias[c]) : A(0);
    for (int64_t i = 0; i < g.kernel_h; ++i) {
      const int64_t ih = input_coordinate(oh, g.stride_h, g.pad_h, i);
      if (ih < 0 || ih >= g.in_h) continue;
      for (int64_t j = 0; j < g.kernel_w; ++j) {
        const int64_t iw = input_coordinate(ow, g.stride_w, g.pad_w, j);
        if (iw < 0 || iw >= g.in_w) continue;
        acc += convert<A>(x[((n * g.in_h + ih) * g.in_w + iw) * g.channels + c]) *
               convert<A>(w[(i * g.kernel_w + j) * g.channels + c]);
      }
    }
    y[idx] = convert<T>(acc);
  }
}

// One thread per input element gathers the outputs its taps fed: no atomics, deterministic.
template <class T>
__global__ void depthwise_input_grad_kernel(ConvGeometry g, const T* gy, const T* w, T* gx) {
  using A = acc_t<T>;
  const int64_t n_in = g.batch * g.in_h * g.in_w * g.channels;
  MT_GRID_STRIDE_LOOP(idx, n_in) {
    const InputElement e = input_element(g, idx);
    A acc = 0;
    for_each_tap_reading(g, e.n, e.ih, e.iw, [&](int64_t position, int64_t i, int64_t j) {
      acc += convert<A>(gy[position * g.channels + e.c]) * convert<A>(w[(i * g.kernel_w + j) * g.channels + e.c]);
    });
    gx[idx] = convert<T>(acc);
  }
}

// gy[position, c] * x[the input under tap (i, j) of that position, c] as a [positions, kh*kw*C]
// matrix, for sum_over_rows: its column sums are gw.
template <class T>
struct TapProducts {
  ConvGeometry g;
  const T *gy, *x;
  __device__ acc_t<T> operator()(int64_t position, int64_t tap_channel) const {
    using A = acc_t<T>;
    const int64_t c = tap_channel % g.channels, tap = tap_channel / g.channels;
    const int64_t i = tap / g.kernel_w, j = tap % g.kernel_w;
    const int64_t ow = position % g.out_w, oh = (position / g.out_w) % g.out_h, n = position / (g.out_w * g.out_h);
    const int64_t ih = input_coordinate(oh, g.stride_h, g.pad_h, i), iw = input_coordinate(ow, g.stride_w, g.pad_w, j);
    if (ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w) return A(0);
    return convert<A>(gy[position * g.channels + c]) * convert<A>(x[((n * g.in_h + ih) * g.in_w + iw) * g.channels + c]);
  }
};

template <class T>
__global__ void im2col_kernel(ConvGeometry g, const T* x, T* cols) {
  const int64_t row = g.kernel_h * g.kernel_w * g.channels;
  const int64_t total = g.batch * g.out_h * g.out_w * row;
  MT_GRID_STRIDE_LOOP(idx, total) {
    const int64_t c = idx % g.channels;
    const int64_t tap = (idx / g.channels) % (g.kernel_h * g.kernel_w);
    const int64_t position = idx / row;
    const int64_t i = tap / g.kernel_w, j = tap % g.kernel_w;
    const int64_t ow = position % g.out_w, oh = (position / g.out_w) % g.out_h, n = position / (g.out_w * g.out_h);
    const int64_t ih = input_coordinate(oh, g.stride_h, g.pad_h, i), iw = input_coordinate(ow, g.stride_w, g.pad_w, j);
    cols[idx] = ih < 0 || ih >= g.in_h || iw < 0 || iw >= g.in_w ? convert<T>(0.0f)
                                                                 : x[((n * g.in_h + ih) * g.in_w + iw) * g.channels + c];
  }
}

// The adjoint of im2col, as a gather per input element (like the depthwise input gradient).
template <class T>
__global__ void col2im_kernel(ConvGeometry g, const T* cols, T* gx) {
  using A = acc_t<T>;
  const int64_t row = g.kernel_h * g.kernel_w * g.channels;
  const int64_t n_in = g.batch * g.in_h * g.in_w * g.channels;
  MT_GRID_STRIDE_LOOP(idx, n_in) {
    const InputElement e = input_element(g, idx);
    A acc = 0;
    for_each_tap_reading(g, e.n, e.ih, e.iw, [&](int64_t position, int64_t i, int64_t j) {
      acc += convert<A>(cols[position * row + (i * g.kernel_w + j) * g.channels + e.c]);
    });
    gx[idx] = convert<T>(acc);
  }
}

// ---- register-blocked strips (stride 1, K x K with K = 3, 5 or 7) --------------------------------

template <int K, class T>
__global__ void depthwise_strip_kernel(depthwise::StripShape s, const T* src, const T* w, const T* bias, T* dst) {
  const int64_t items = depthwise::strip_items(s);
  MT_GRID_STRIDE_LOOP(item, items) depthwise::strip<K>(s, src, w, bias, dst, item);
}

template <int K, class T>
__global__ void depthwise_weight_grad_kernel(depthwise::StripShape s, const T* x, const T* gy, int64_t rows_per_chunk,
                                             T* partial) {
  const int64_t items = depthwise::weight_grad_chunks(s, rows_per_chunk) * s.channels;
  MT_GRID_STRIDE_LOOP(item, items) depthwise::weight_grad_chunk<K>(s, x, gy, rows_per_chunk, partial, item);
}

// Calls fn(std::integral_constant<int, K>{}) and returns true when the strips cover g and T.
template <class T, class Fn>
bool with_strip_kernel(const ConvGeometry& g, Fn&& fn) {
  if constexpr (!std::is_same_v<T, float> && !std::is_same_v<T, double>) {
    return false;
  } else {
    if (g.stride_h != 1 || g.stride_w != 1 || g.kernel_h != g.kernel_w) return false;
    switch (g.kernel_h) {
      case 3: fn(std::integral_constant<int, 3>{}); return true;
      case 5: fn(std::integral_constant<int, 5>{}); return true;
      case 7: fn(std::integral_constant<int, 7>{}); return true;
      default: return false;
    }
  }
}

depthwise::StripShape forward_strips(const ConvGeometry& g) {
  return {g.batch, g.in_h, g.in_w, g.out_h, g.out_w, g.channels, g.pad_h, g.pad_w, false};
}
// The input gradient as a convolution of gy with flipped taps (see depthwise_strips.hpp).
depthwise::StripShape input_grad_strips(const ConvGeometry& g) {
  return {g.batch, g.out_h, g.out_w, g.in_h, g.in_w, g.channels, g.kernel_h - 1 - g.pad_h, g.kernel_w - 1 - g.pad_w, true};
}

// gw through chunk partial sums (about 2^17 work items), then their column sums in order.
template <int K, class T>
void depthwise_weight_grad_strips(const ConvGeometry& g, const T* x, const T* gy, T* gw) {
  const depthwise::StripShape s = forward_strips(g);
  const int64_t rows = g.batch * g.out_h, chunks_wanted = std::max<int64_t>(1, (int64_t(1) << 17) / g.channels);
  const int64_t rows_per_chunk = std::max<int64_t>(1, (rows + chunks_wanted - 1) / chunks_wanted);
  const int64_t chunks = depthwise::weight_grad_chunks(s, rows_per_chunk), cols = K * K * g.channels;
  Scratch partial(size_t(chunks * cols) * sizeof(T));
  depthwise_weight_grad_kernel<K><<<blocks_for(chunks * g.channels), kThreads, 0, stream()>>>(s, x, gy, rows_per_chunk,
                                                                                               partial.as<T>());
  MT_CUDA_LAUNCHED("depthwise conv weight gradient kernel");
  sum_over_rows<T>(ReadMatrix<T>{partial.as<T>(), cols}, chunks, cols, gw);
}

}  // namespace

void CudaBackend::depthwise_conv2d_forward(DType t, const ConvGeometry& g, const void* x, const void* weight,
                                           const void* bias, void* y) {
  const int64_t n = g.batch * g.out_h * g.out_w * g.channels;
  if (n == 0) return;
  const auto ours = [&] {
    visit_device_floating_dtype(t, "depthwise conv kernel", [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T *xs = static_cast<const T*>(x), *ws = static_cast<const T*>(weight), *bs = static_cast<const T*>(bias);
      const bool strips = with_strip_kernel<T>(g, [&](auto k) {
        const depthwise::StripShape s = forward_strips(g);
        depthwise_strip_kernel<decltype(k)::value><<<blocks_for(depthwise::strip_items(s)), kThreads, 0, stream()>>>(
            s, xs, ws, bs, static_cast<T*>(y));
      });
      if (!strips) depthwise_forward_kernel<<<blocks_for(n), kThreads, 0, stream()>>>(g, xs, ws, bs, static_cast<T*>(y));
    });
    MT_CUDA_LAUNCHED("depthwise conv forward kernel");
  };
  run_depthwise_pass(DepthwisePass::Forward, t, g, ours, [&] { cudnn_depthwise_forward(t, g, x, weight, bias, y); });
}

void CudaBackend::depthwise_conv2d_backward(DType t, const ConvGeometry& g, const void* gy, const void* x,
                                            const void* weight, void* gx, void* gweight, void* gbias) {
  const int64_t n_in = g.batch * g.in_h * g.in_w * g.channels, positions = g.batch * g.out_h * g.out_w;
  if (gx && n_in > 0) {
    const auto ours = [&] {
      visit_device_floating_dtype(t, "depthwise conv backward kernel", [&](auto tag) {
        using T = typename decltype(tag)::type;
        const T *grad = static_cast<const T*>(gy), *w = static_cast<const T*>(weight);
        const bool strips = with_strip_kernel<T>(g, [&](auto k) {
          const depthwise::StripShape s = input_grad_strips(g);
          depthwise_strip_kernel<decltype(k)::value><<<blocks_for(depthwise::strip_items(s)), kThreads, 0, stream()>>>(
              s, grad, w, static_cast<const T*>(nullptr), static_cast<T*>(gx));
        });
        if (!strips)
          depthwise_input_grad_kernel<<<blocks_for(n_in), kThreads, 0, stream()>>>(g, grad, w, static_cast<T*>(gx));
      });
      MT_CUDA_LAUNCHED("depthwise conv input gradient kernel");
    };
    run_depthwise_pass(DepthwisePass::InputGrad, t, g, ours,
                       [&] { cudnn_depthwise_input_grad(t, g, gy, weight, gx); });
  }
  if (gweight) {
    const auto ours = [&] {
      visit_device_floating_dtype(t, "depthwise conv backward kernel", [&](auto tag) {
        using T = typename decltype(tag)::type;
        const T *grad = static_cast<const T*>(gy), *xs = static_cast<const T*>(x);
        const bool strips = positions > 0 && g.channels > 0 && with_strip_kernel<T>(g, [&](auto k) {
          depthwise_weight_grad_strips<decltype(k)::value>(g, xs, grad, static_cast<T*>(gweight));
        });
        if (!strips)  // also writes the zeros of an empty batch
          sum_over_rows<acc_t<T>>(TapProducts<T>{g, grad, xs}, positions, g.kernel_h * g.kernel_w * g.channels,
                                  static_cast<T*>(gweight));
      });
    };
    run_depthwise_pass(DepthwisePass::WeightGrad, t, g, ours,
                       [&] { cudnn_depthwise_weight_grad(t, g, x, gy, gweight); });
  }
  if (gbias) {
    visit_device_floating_dtype(t, "depthwise conv backward kernel", [&](auto tag) {
      using T = typename decltype(tag)::type;
      sum_over_rows<acc_t<T>>(ReadMatrix<T>{static_cast<const T*>(gy), g.channels}, positions, g.channels,
                              static_cast<T*>(gbias));
    });
  }
}

void CudaBackend::im2col(DType t, const ConvGeometry& g, const void* x, void* cols) {
  const int64_t total = g.batch * g.out_h * g.out_w * g.kernel_h * g.kernel_w * g.channels;
  if (total == 0) return;
  visit_device_floating_dtype(t, "im2col kernel", [&](auto tag) {
    using T = typename decltype(tag)::type;
    im2col_kernel<<<blocks_for(total), kThreads, 0, stream()>>>(g, static_cast<const T*>(x), static_cast<T*>(cols));
  });
  MT_CUDA_LAUNCHED("im2col kernel");
}

void CudaBackend::col2im(DType t, const ConvGeometry& g, const void* cols, void* gx) {
  const int64_t n_in = g.batch * g.in_h * g.in_w * g.channels;
  if (n_in == 0) return;
  visit_device_floating_dtype(t, "col2im kernel", [&](auto tag) {
    using T = typename decltype(tag)::type;
    col2im_kernel<<<blocks_for(n_in), kThreads, 0, stream()>>>(g, static_cast<const T*>(cols), static_cast<T*>(gx));
  });
  MT_CUDA_LAUNCHED("col2im kernel");
}

}  // namespace minitorch::kernels::cuda_impl
