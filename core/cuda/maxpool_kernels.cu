// [maxpool] kernels (layer_kernels.h): MaxpoolLayer::forward's window scan per output element, and the scatter of
// the deltas to the winning cells.
#include <cfloat>

#include "core/cuda/kernels.cuh"
#include "core/cuda/layer_kernels.h"

namespace ds::cuda {
namespace {

// MaxpoolLayer::forward's `consider`: cells outside the map are ignored; a larger value, or the first valid cell,
// wins (so among equal values the first in scan order).
__device__ void consider(const MaxpoolGeometry& g, const float* x, size_t b, int kk, int yy, int xx, float& best,
                         long long& best_i) {
  if (yy < 0 || yy >= g.in_h || xx < 0 || xx >= g.in_w) return;
  const long long idx = (long long)(((b * size_t(g.in_c) + size_t(kk)) * size_t(g.in_h) + size_t(yy)) *
                                        size_t(g.in_w) + size_t(xx));
  if (x[idx] > best || best_i < 0) best = x[idx], best_i = idx;
}

}  // namespace

void maxpool_forward(const MaxpoolGeometry& geometry, const float* x, float* y, long long* argmax) {
  const MaxpoolGeometry g = geometry;
  elementwise(g.outputs(), [=] __device__(size_t o) {
    const int j = int(o % size_t(g.out_w));
    size_t rest = o / size_t(g.out_w);
    const int i = int(rest % size_t(g.out_h));
    rest /= size_t(g.out_h);
    const int k = int(rest % size_t(g.out_c));
    const size_t b = rest / size_t(g.out_c);
    float best = -FLT_MAX;
    long long best_i = -1;
    if (g.depth) {
      for (int kk = k; kk < g.in_c; kk += g.out_c) consider(g, x, b, kk, i, j, best, best_i);
    } else {
      for (int dy = 0; dy < g.size; ++dy)
        for (int dx = 0; dx < g.size; ++dx)
          consider(g, x, b, k, i * g.stride_y + dy - g.padding / 2, j * g.stride_x + dx - g.padding / 2, best, best_i);
    }
    y[o] = best_i < 0 ? 0.f : best;
    argmax[o] = best_i;
  });
}

void maxpool_backward(size_t outputs, const float* dy, const long long* argmax, float* dx) {
  elementwise(outputs, [=] __device__(size_t o) {
    const long long from = argmax[o];
    if (from >= 0) atomicAdd(dx + from, dy[o]);
  });
}

}  // namespace ds::cuda
