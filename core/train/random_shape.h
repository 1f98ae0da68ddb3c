// darknet's random training shapes ([yolo] random) and the dynamic mini-batch (DM, [net] dynamic_minibatch),
// as train_detector chooses them every 10 iterations.
#pragma once
#include <cstdint>

#include "core/nn/net_options.h"

namespace ds {

struct ShapeChoice {
  int w = 0, h = 0, mini_batch = 0;
};

// A size of round(s·W/step + 1)·step with s = rand_scale(coef) (coef = 1.4 for random=1, else `random`);
// the largest size at iteration 0 and in the last 100 iterations. With dynamic_minibatch the mini-batch
// becomes mini_batch·max_w·max_h/(w·h), times 0.8 when that still exceeds the original. The draw depends
// only on (seed, iteration), so a resumed run picks the same sizes.
ShapeChoice random_shape(const NetOptions& net, float random, int iteration, uint64_t seed);

}  // namespace ds
