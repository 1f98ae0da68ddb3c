// The SGD update kernel (sgd.h): blockIdx.y picks the segment, whose parameters the row's threads stride over.
#include "core/cuda/cuda_check.h"
#include "core/cuda/launch.h"
#include "core/cuda/sgd.h"

#include <algorithm>

namespace ds::cuda {
namespace {

__global__ void sgd_kernel(float* w, float* g, const SgdSegment* segments, float learning_rate, float batch,
                           float decay, float momentum) {
  const SgdSegment s = segments[blockIdx.y];
  const float lr = learning_rate * s.learning_rate_scale / batch;
  const float d = s.is_weight ? decay * batch : 0.f;
  for (size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x; i < s.count; i += size_t(gridDim.x) * blockDim.x) {
    const size_t k = s.offset + i;
    float gk = g[k];
    if (d != 0.f) gk += -d * w[k];
    w[k] += lr * gk;
    g[k] = gk * momentum;
  }
}

// Blocks per segment: enough for one parameter per thread in all but the longest segments (a row's blocks beyond a
// short segment's end exit at once).
constexpr unsigned kMaxBlocksPerSegment = 512;

}  // namespace

void sgd_update(float* w, float* g, const SgdSegment* segments, int count, size_t longest, float learning_rate,
                float batch, float decay, float momentum) {
  if (count <= 0 || longest == 0) return;
  const dim3 grid(std::min(blocks_for(longest), kMaxBlocksPerSegment), unsigned(count));
  sgd_kernel<<<grid, kThreadsPerBlock>>>(w, g, segments, learning_rate, batch, decay, momentum);
  DS_CUDA_CHECK_LAUNCH();
}

}  // namespace ds::cuda
