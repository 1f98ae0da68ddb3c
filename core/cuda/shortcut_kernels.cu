// [shortcut] kernels (layer_kernels.h): the weighted add of one input (one thread per element, no two threads
// writing the same element) and its weight gradients (one block per weight column).
#include "core/cuda/kernels.cuh"
#include "core/cuda/layer_kernels.h"

namespace ds::cuda {

void shortcut_add(int n, size_t len, const float* v, size_t column_span, const float* src, size_t src_stride,
                  float* dst, size_t dst_stride) {
  elementwise(size_t(n) * len, [=] __device__(size_t e) {
    const size_t b = e / len, i = e % len;
    dst[b * dst_stride + i] += v[i / column_span] * src[b * src_stride + i];
  });
}

void shortcut_weight_grads(int n, size_t len, size_t columns, size_t column_span, const float* d, size_t d_stride,
                           const float* x, size_t x_stride, float* grads) {
  // Column j's terms: t < n · column_span stands for image t / column_span, index j · column_span + t % column_span
  // (indices past len, where this input has no element, add nothing).
  block_sums(
      int(columns), size_t(n) * column_span,
      [=] __device__(int j, size_t t) {
        const size_t b = t / column_span, i = size_t(j) * column_span + t % column_span;
        return i < len ? d[b * d_stride + i] * x[b * x_stride + i] : 0.f;
      },
      [=] __device__(int j, float sum) { grads[j] += sum; });
}

}  // namespace ds::cuda
