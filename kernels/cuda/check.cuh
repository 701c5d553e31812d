#pragma once
// Every CUDA runtime and cuBLAS call goes through these checks, so a failure names the call (or
// kernel) and its status.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include "minitorch/error.hpp"

#define MT_CUDA_CHECK_NAMED(call, name)                                                         \
  do {                                                                                          \
    cudaError_t status_ = (call);                                                               \
    if (status_ != cudaSuccess)                                                                 \
      ::minitorch::detail::fail("cuda: ", name, " failed: ", cudaGetErrorName(status_), " (", \
                                cudaGetErrorString(status_), ")");                              \
  } while (0)
#define MT_CUDA_CHECK(call) MT_CUDA_CHECK_NAMED(call, #call)

#define MT_CUBLAS_CHECK(call)                                                                        \
  do {                                                                                               \
    cublasStatus_t status_ = (call);                                                                 \
    if (status_ != CUBLAS_STATUS_SUCCESS)                                                            \
      ::minitorch::detail::fail("cuda: ", #call, " failed: ", cublasGetStatusName(status_), " (", \
                                cublasGetStatusString(status_), ")");                                \
  } while (0)
