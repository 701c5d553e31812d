#pragma once
// Every CUDA runtime call goes through MT_CUDA_CHECK, so a failure names the call and its status.
#include <cuda_runtime.h>

#include "minitorch/error.hpp"

#define MT_CUDA_CHECK(call)                                                                     \
  do {                                                                                          \
    cudaError_t status_ = (call);                                                               \
    if (status_ != cudaSuccess)                                                                 \
      ::minitorch::detail::fail("cuda: ", #call, " failed: ", cudaGetErrorName(status_), " (", \
                                cudaGetErrorString(status_), ")");                              \
  } while (0)
