// The SGD update of core/nn/sgd.h on the device's flat parameters w and accumulated negative gradients g, every
// block of parameters in one launch. Per block, with lr = learning_rate · learning_rate_scale / batch (the layer's
// scale) and decay = decay · batch for weights, 0 for biases and scales:
//   g += -decay · w;   w += lr · g;   g *= momentum
// (the same float operations in the same order as the host's, so the step is the CPU's up to the gradients).
#pragma once
#include <cstddef>

namespace ds::cuda {

// One block of parameters SGD updates (the rolling statistics are none).
struct SgdSegment {
  size_t offset = 0, count = 0;
  float learning_rate_scale = 1.f;
  bool is_weight = false;  // decays
};

// `segments` (device memory, `count` of them, the longest `longest` parameters): one launch, a row of blocks per
// segment.
void sgd_update(float* w, float* g, const SgdSegment* segments, int count, size_t longest, float learning_rate,
                float batch, float decay, float momentum);

}  // namespace ds::cuda
