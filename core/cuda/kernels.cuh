// Kernel templates shared by the .cu files (include from .cu files only): elementwise runs f(i) on one thread
// per index i < n; block_sums reduces per output over one or more blocks (trees in shared memory, so a sum differs
// from the CPU's sequential float sum by rounding only), of floats or of a struct of several sums (Value: trivially
// constructible, zero when value-initialised, with a __device__ operator+= that may be any associative merge).
#pragma once
#include <cstddef>

#include "core/cuda/context.h"
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

// For each output o < outputs: finish(o, Σ_{j < count} term(o, j)). Blocks (o, slice) of a grid of outputs ×
// slices each sum the terms j = slice·blockDim + t (mod slices·blockDim) of their threads t into a partial; the block
// that finishes last among an output's slices (its ticket says so) sums the partials in slice order and calls
// finish. So a few wide outputs (32 channels of 8·512² values) still fill the device, and the sum does not depend on
// which block finishes last. One slice: no partials, the block finishes its output itself.
template <typename Value, typename Term, typename Finish>
__global__ void block_sum_kernel(size_t count, Term term, Finish finish, Value* partials, unsigned* tickets) {
  __shared__ Value partial[kThreadsPerBlock];
  __shared__ bool finishes;
  const int o = int(blockIdx.x);
  const unsigned slices = gridDim.y, slice = blockIdx.y;
  Value sum{};
  for (size_t j = size_t(slice) * blockDim.x + threadIdx.x; j < count; j += size_t(slices) * blockDim.x)
    sum += term(o, j);
  const Value total = block_reduce(sum, partial);
  if (slices == 1) {
    if (threadIdx.x == 0) finish(o, total);
    return;
  }
  if (threadIdx.x == 0) {
    partials[size_t(o) * slices + slice] = total;
    __threadfence();  // the partial is visible to every block before the ticket counts it
    finishes = atomicAdd(&tickets[o], 1u) == slices - 1;
  }
  __syncthreads();
  if (!finishes) return;  // the same for every thread of the block
  __threadfence();
  const Value mine = threadIdx.x < slices ? partials[size_t(o) * slices + threadIdx.x] : Value{};
  const Value all = block_reduce(mine, partial);
  if (threadIdx.x == 0) {
    finish(o, all);
    tickets[o] = 0;  // ready for the next launch
  }
}

// Slices per output: at least 16 terms per thread each, at most 64 (kThreadsPerBlock or fewer: the finishing
// block loads one partial per thread).
inline unsigned slices_for(size_t count) {
  const size_t s = count / (size_t(kThreadsPerBlock) * 16);
  return unsigned(s < 1 ? 1 : s > 64 ? 64 : s);
}

// Value is named, not deduced: host code cannot ask an extended __device__ lambda for its return type.
template <typename Value = float, typename Term, typename Finish>
void block_sums(int outputs, size_t count, Term term, Finish finish) {
  if (outputs <= 0) return;
  const unsigned slices = slices_for(count);
  ReductionScratch scratch;
  if (slices > 1) scratch = context().reduction_scratch(sizeof(Value) * size_t(outputs) * slices, size_t(outputs));
  block_sum_kernel<Value><<<dim3(unsigned(outputs), slices), kThreadsPerBlock>>>(
      count, term, finish, static_cast<Value*>(scratch.partials), scratch.tickets);
  DS_CUDA_CHECK_LAUNCH();
}

}  // namespace ds::cuda
