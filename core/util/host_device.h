// DS_HOST_DEVICE: marks an inline function that both the host code and CUDA kernels call (__host__ __device__
// under nvcc, nothing for the C++ compiler), so that a kernel runs the CPU reference's own arithmetic. Such
// functions use only C math (expf, not std::exp) and no standard library.
#pragma once

#if defined(__CUDACC__)
#define DS_HOST_DEVICE __host__ __device__
#else
#define DS_HOST_DEVICE
#endif
