// Kernel templates shared by the .cu files (include from .cu files only): elementwise runs f(i) on one thread
// per index i < n; block_sums reduces one block per output (a tree in shared memory, so a sum differs from the
// CPU's sequential float sum by rounding only).
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

// For each output o < outputs (one block each): finish(o, Σ_{j < count} term(o, j)).
template <typename Term, typename Finish>
__global__ void block_sum_kernel(size_t count, Term term, Finish finish) {
  __shared__ float partial[kThreadsPerBlock];
  const int o = int(blockIdx.x);
  float sum = 0.f;
  for (size_t j = threadIdx.x; j < count; j += blockDim.x) sum += term(o, j);
  partial[threadIdx.x] = sum;
  __syncthreads();
  for (unsigned half = blockDim.x / 2; half > 0; half /= 2) {
    if (threadIdx.x < half) partial[threadIdx.x] += partial[threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x == 0) finish(o, partial[0]);
}

template <typename Term, typename Finish>
void block_sums(int outputs, size_t count, Term term, Finish finish) {
  if (outputs <= 0) return;
  block_sum_kernel<<<unsigned(outputs), kThreadsPerBlock>>>(count, term, finish);
  DS_CUDA_CHECK_LAUNCH();
}

}  // namespace ds::cuda
