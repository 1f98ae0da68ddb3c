// Kernel templates shared by the .cu files (include from .cu files only): elementwise runs f(i) on one thread
// per index i < n; block_sums reduces one block per output (a tree in shared memory, so a sum differs from the
// CPU's sequential float sum by rounding only), of floats or of a struct of several sums (Value: trivially
// constructible, zero when value-initialised, with a __device__ operator+=).
#pragma once
#include <cstddef>

#include "core/cuda/cuda_check.h"
#include "core/cuda/launch.h"

namespace ds::cuda {

template <typename F>
__global__ void for_each_element(size_t n, F f) {
  const size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
  if (i < n) f(i);
}

template <typename F>
void elementwise(size_t n, F f) {
  if (n == 0) return;
  for_each_element<<<blocks_for(n), kThreadsPerBlock>>>(n, f);
  DS_CUDA_CHECK_LAUNCH();
}

// Inside a kernel of kThreadsPerBlock threads a block: the sum of every thread's v over the block, returned to
// every thread (all must call it). partial: kThreadsPerBlock Values of shared memory, free again on return.
template <typename Value>
__device__ Value block_reduce(Value v, Value* partial) {
  partial[threadIdx.x] = v;
  __syncthreads();
  for (unsigned half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) partial[threadIdx.x] += partial[threadIdx.x + half];
    __syncthreads();
  }
  const Value total = partial[0];
  __syncthreads();
  return total;
}

// For each output o < outputs (one block each): finish(o, Σ_{j < count} term(o, j)).
template <typename Value, typename Term, typename Finish>
__global__ void block_sum_kernel(size_t count, Term term, Finish finish) {
  __shared__ Value partial[kThreadsPerBlock];
  const int o = int(blockIdx.x);
  Value sum{};
  for (size_t j = threadIdx.x; j < count; j += blockDim.x) sum += term(o, j);
  const Value total = block_reduce(sum, partial);
  if (threadIdx.x == 0) finish(o, total);
}

// Value is named, not deduced: host code cannot ask an extended __device__ lambda for its return type.
template <typename Value = float, typename Term, typename Finish>
void block_sums(int outputs, size_t count, Term term, Finish finish) {
  if (outputs <= 0) return;
  block_sum_kernel<Value><<<unsigned(outputs), kThreadsPerBlock>>>(count, term, finish);
  DS_CUDA_CHECK_LAUNCH();
}

}  // namespace ds::cuda
