// [upsample] kernels (layer_kernels.h): spread writes each large cell from its small cell; gather sums each small
// cell's block in row-major order, as UpsampleLayer's loops visit it. One thread per written element.
#include "core/cuda/kernels.cuh"
#include "core/cuda/layer_kernels.h"

namespace ds::cuda {

void upsample_spread(size_t planes, int small_h, int small_w, int stride, float scale, const float* small,
                     float* large, bool add) {
  const size_t lw = size_t(small_w) * stride, lh = size_t(small_h) * stride;
  elementwise(planes * lh * lw, [=] __device__(size_t l) {
    const size_t x = l % lw, rest = l / lw, y = rest % lh, p = rest / lh;
    const float v = scale * small[(p * size_t(small_h) + y / stride) * size_t(small_w) + x / stride];
    large[l] = add ? large[l] + v : v;
  });
}

void upsample_gather(size_t planes, int small_h, int small_w, int stride, float scale, const float* large,
                     float* small, bool add) {
  const size_t lw = size_t(small_w) * stride, lh = size_t(small_h) * stride;
  elementwise(planes * size_t(small_h) * size_t(small_w), [=] __device__(size_t s) {
    const size_t sx = s % size_t(small_w), rest = s / size_t(small_w), sy = rest % size_t(small_h),
                 p = rest / size_t(small_h);
    float acc = add ? small[s] : 0.f;
    for (int dy = 0; dy < stride; ++dy)
      for (int dx = 0; dx < stride; ++dx)
        acc += scale * large[(p * lh + sy * stride + dy) * lw + sx * stride + dx];
    small[s] = acc;
  });
}

}  // namespace ds::cuda
