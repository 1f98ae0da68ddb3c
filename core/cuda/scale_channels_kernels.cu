// [scale_channels] kernels (layer_kernels.h): forward and df one thread per element; ds one thread per scale,
// summing its elements sequentially in the CPU layer's order (the pixels of a channel, or the channels of a pixel).
#include "core/cuda/kernels.cuh"
#include "core/cuda/layer_kernels.h"

namespace ds::cuda {
namespace {

__device__ size_t scale_index(const ScaleGeometry& g, size_t i) {
  return g.scale_wh ? (i / (size_t(g.channels) * g.spatial)) * g.spatial + i % g.spatial : i / g.spatial;
}

size_t elements(const ScaleGeometry& g) { return size_t(g.batch) * size_t(g.channels) * g.spatial; }

}  // namespace

void scale_channels_forward(const ScaleGeometry& g, const float* s, const float* f, float* y) {
  elementwise(elements(g), [=] __device__(size_t i) { y[i] = s[scale_index(g, i)] * f[i]; });
}

void scale_channels_backward(const ScaleGeometry& g, const float* d, const float* s, const float* f, float* ds,
                             float* df) {
  if (df) elementwise(elements(g), [=] __device__(size_t i) { df[i] += d[i] * s[scale_index(g, i)]; });
  if (!ds) return;
  const size_t c = size_t(g.channels), hw = g.spatial;
  if (g.scale_wh) {  // ds[b·hw + p] += Σ_k d·f at (b, k, p)
    elementwise(size_t(g.batch) * hw, [=] __device__(size_t o) {
      const size_t b = o / hw, p = o % hw;
      float acc = ds[o];
      for (size_t k = 0; k < c; ++k) acc += d[(b * c + k) * hw + p] * f[(b * c + k) * hw + p];
      ds[o] = acc;
    });
  } else {  // ds[b·c + k] += Σ_p d·f at (b, k, p)
    elementwise(size_t(g.batch) * c, [=] __device__(size_t o) {
      float acc = ds[o];
      for (size_t p = 0; p < hw; ++p) acc += d[o * hw + p] * f[o * hw + p];
      ds[o] = acc;
    });
  }
}

}  // namespace ds::cuda
