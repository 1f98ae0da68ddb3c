// [route] kernel (layer_kernels.h): the device copy_blocks, one thread per copied element.
#include "core/cuda/kernels.cuh"
#include "core/cuda/layer_kernels.h"

namespace ds::cuda {

void copy_blocks(int n, size_t len, const float* src, size_t src_stride, size_t src_offset, float* dst,
                 size_t dst_stride, size_t dst_offset, bool add) {
  if (!dst || len == 0) return;
  elementwise(size_t(n) * len, [=] __device__(size_t e) {
    const size_t b = e / len, i = e % len;
    const float v = src[b * src_stride + src_offset + i];
    float& d = dst[b * dst_stride + dst_offset + i];
    d = add ? d + v : v;
  });
}

}  // namespace ds::cuda
