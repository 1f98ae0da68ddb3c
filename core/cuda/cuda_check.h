// Checked CUDA/cuBLAS/cuDNN calls: a failing call throws with the call's text and its file:line.
#pragma once
#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <stdexcept>
#include <string>

namespace ds::cuda {

[[noreturn]] inline void fail_call(const char* call, const std::string& what, const char* file, int line) {
  throw std::runtime_error(std::string(file) + ":" + std::to_string(line) + ": " + call + " failed: " + what);
}

}  // namespace ds::cuda

#define DS_CUDA_CHECK(call)                                                            \
  do {                                                                                 \
    cudaError_t ds_status_ = (call);                                                   \
    if (ds_status_ != cudaSuccess)                                                     \
      ::ds::cuda::fail_call(#call, cudaGetErrorString(ds_status_), __FILE__, __LINE__); \
  } while (0)

#define DS_CUBLAS_CHECK(call)                                                                  \
  do {                                                                                         \
    cublasStatus_t ds_status_ = (call);                                                        \
    if (ds_status_ != CUBLAS_STATUS_SUCCESS)                                                   \
      ::ds::cuda::fail_call(#call, cublasGetStatusString(ds_status_), __FILE__, __LINE__);      \
  } while (0)

#define DS_CUDNN_CHECK(call)                                                                   \
  do {                                                                                         \
    cudnnStatus_t ds_status_ = (call);                                                         \
    if (ds_status_ != CUDNN_STATUS_SUCCESS)                                                    \
      ::ds::cuda::fail_call(#call, cudnnGetErrorString(ds_status_), __FILE__, __LINE__);        \
  } while (0)

// After a kernel launch: a bad launch configuration is reported here, with the launching site.
#define DS_CUDA_CHECK_LAUNCH() DS_CUDA_CHECK(cudaGetLastError())
