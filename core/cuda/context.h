// Context: what the CUDA ops of this process share: the cuBLAS and cuDNN handles and one scratch workspace
// (one GPU per process: the scheduler gives each trainer its own through CUDA_VISIBLE_DEVICES). Work runs on the
// default stream, so a host copy after a launch sees its result.
#pragma once
#include <cstddef>

#include "core/cuda/cuda_check.h"
#include "core/cuda/device_array.h"
#include "core/cuda/device_buffer.h"

namespace ds::cuda {

// How convolutions choose their cuDNN algorithms (convolutional_op.cpp): by timing them, or by cuDNN's heuristics.
enum class AlgorithmSearch { find, heuristics };
// The memory layout of mixed precision's fp16 convolution tensors (convolutional_op.cpp): NHWC, which tensor-core
// kernels read natively, or NCHW, the layout of every other tensor (cuDNN then transposes internally).
enum class Fp16Layout { nhwc, nchw };

// Device scratch of the sliced reductions (kernels.cuh, block_sums): partial sums, and one ticket per output that
// is zero between launches (the block that finishes an output resets its ticket).
struct ReductionScratch {
  void* partials = nullptr;
  unsigned* tickets = nullptr;
};

class Context {
 public:
  Context();
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  cublasHandle_t cublas() const { return cublas_; }
  cudnnHandle_t cudnn() const { return cudnn_; }

  // Device scratch memory of at least `bytes` (grown, never shrunk), valid until the next call.
  void* workspace(size_t bytes);
  // Scratch for one sliced reduction of `outputs` outputs with `partial_bytes` of partial sums (grown, never
  // shrunk; new tickets are zeroed), valid until the next call.
  ReductionScratch reduction_scratch(size_t partial_bytes, size_t outputs);
  // The most workspace one cuDNN call may ask for (DS_CUDNN_WORKSPACE_MB, default 1024 MiB).
  size_t workspace_limit() const { return workspace_limit_; }
  // DS_CUDNN_ALGORITHMS=find (default) | heuristics; another value is an error that lists these.
  AlgorithmSearch algorithm_search() const { return algorithm_search_; }
  // DS_CUDNN_FP16_LAYOUT=nhwc (default) | nchw: to measure which is faster on a card.
  Fp16Layout fp16_layout() const { return fp16_layout_; }

 private:
  cublasHandle_t cublas_ = nullptr;
  cudnnHandle_t cudnn_ = nullptr;
  DeviceBuffer workspace_;
  DeviceArray<unsigned char> partials_;
  DeviceArray<unsigned> tickets_;
  size_t workspace_limit_ = 0;
  AlgorithmSearch algorithm_search_ = AlgorithmSearch::find;
  Fp16Layout fp16_layout_ = Fp16Layout::nhwc;
};

// The process's context, created on first use and never destroyed (context.cpp says why).
Context& context();

}  // namespace ds::cuda
