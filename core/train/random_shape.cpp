// Random training shapes and the dynamic mini-batch (darknet's train_detector, `l.random`).
#include "core/train/random_shape.h"

#include <algorithm>
#include <cmath>

#include "core/util/rng.h"

namespace ds {

ShapeChoice random_shape(const NetOptions& n, float random, int iteration, uint64_t seed) {
  const float coef = random == 1.f ? 1.4f : random;
  Rng rng(seed * 1000003ULL + uint64_t(iteration));
  float s = rng.uniform(1.f, coef);
  if (rng.uniform_int(0, 1)) s = 1.f / s;  // darknet's rand_scale
  const int step = n.resize_step;
  auto dim = [&](float scale, int size) { return int(std::lround(scale * size / step + 1)) * step; };
  int w = dim(s, n.width), h = dim(s, n.height);
  if (s < 1 && (w > n.width || h > n.height)) w = n.width, h = n.height;
  const int max_w = dim(coef, n.width), max_h = dim(coef, n.height);
  if (iteration == 0 || iteration > n.max_batches - 100) w = max_w, h = max_h;
  w = std::max(w, step);
  h = std::max(h, step);
  int b = n.mini_batch;
  if (n.dynamic_minibatch) {
    const int dim_b = n.mini_batch * max_w * max_h / (w * h);
    const int scaled = int(dim_b * 0.8);
    b = scaled > n.mini_batch ? scaled : dim_b;
  }
  return {w, h, b};
}

}  // namespace ds
