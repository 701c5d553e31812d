#pragma once
#include "kernels.hpp"

namespace minitorch::kernels::cpu {
// True when the AVX-512 depthwise kernels handle this convolution: float32, 7x7, stride 1,
// channels a multiple of 16, and a build for AVX-512. conv.cpp falls back to its plain loops.
bool depthwise7_fast_path(DType t, const ConvGeometry& g);
void depthwise7_forward(const ConvGeometry& g, const float* x, const float* w, const float* bias, float* y);
void depthwise7_backward(const ConvGeometry& g, const float* gy, const float* x, const float* w, float* gx, float* gw,
                         float* gb);
// The plain depthwise kernels (conv.cpp): any kernel size, stride and padding, float32/64.
void depthwise_plain_forward(DType t, const ConvGeometry& g, const void* x, const void* weight, const void* bias,
                             void* y);
void depthwise_plain_backward(DType t, const ConvGeometry& g, const void* gy, const void* x, const void* weight,
                              void* gx, void* gweight, void* gbias);
}  // namespace minitorch::kernels::cpu
