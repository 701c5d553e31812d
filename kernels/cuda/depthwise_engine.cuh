#pragma once
// The depthwise convolution's second implementation, cuDNN's (cudnn_depthwise.cu), and the choice
// between it and our kernels (depthwise_engine.cu), made per pass and shape. conv.cu calls
// run_depthwise_pass with both implementations of each pass.
#include <functional>
#include <tuple>

#include "common.cuh"

namespace minitorch::kernels::cuda_impl {

enum class DepthwisePass { Forward, InputGrad, WeightGrad };

// What the choices are remembered by: dtype, TF32 setting and geometry (ordered, for std::map).
using DepthwiseKey = std::tuple<int, bool, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t, int64_t,
                                int64_t, int64_t>;
DepthwiseKey depthwise_key(DType t, const ConvGeometry& g);

// True when cuDNN can run this convolution: it was loaded, T is float32, and the
// tensors are non-empty and small enough for its int dims.
bool cudnn_depthwise_supports(DType t, const ConvGeometry& g);

// The three passes through cuDNN, with the same arguments and results as our kernels: the weight
// and its gradient are [kh, kw, C] (cuDNN's [C, kh, kw] copies are made here), outputs are
// overwritten.
void cudnn_depthwise_forward(DType t, const ConvGeometry& g, const void* x, const void* w, const void* bias, void* y);
void cudnn_depthwise_input_grad(DType t, const ConvGeometry& g, const void* gy, const void* w, void* gx);
void cudnn_depthwise_weight_grad(DType t, const ConvGeometry& g, const void* x, const void* gy, void* gw);

// Runs one pass through `ours` or `cudnn`, as cuda::depthwise_engine() says. Cases cuDNN cannot
// run take ours. Fastest times both on the first call of each (pass, dtype, geometry, TF32
// setting) and remembers the faster; a cuDNN failure while being timed makes ours the choice.
void run_depthwise_pass(DepthwisePass pass, DType t, const ConvGeometry& g, const std::function<void()>& ours,
                        const std::function<void()>& cudnn);

}  // namespace minitorch::kernels::cuda_impl
