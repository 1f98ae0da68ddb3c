// Test support for the GPU training tests (tests/cuda/test_cuda_training.cpp, test_cuda_data_parallel.cpp): fixed
// mini-batches for a detector, random images with three random boxes each, the same on every run.
#pragma once
#include <vector>

#include "core/nn/box.h"
#include "core/nn/network.h"
#include "core/util/rng.h"

namespace ds::test {

struct DetectorData {
  std::vector<std::vector<float>> x;                           // per mini-batch: net's input
  std::vector<std::vector<std::vector<TruthBox>>> truths;      // per mini-batch, per image
};

// `mini_batches` mini-batches of net's mini-batch size and input shape, boxes of classes 0 .. classes - 1.
inline DetectorData fixed_detector_data(const Network& net, int mini_batches, int classes) {
  Rng rng(21);
  DetectorData d;
  const size_t n = size_t(net.mini_batch()) * net.input_shape().size();
  for (int k = 0; k < mini_batches; ++k) {
    std::vector<float> x(n);
    for (float& v : x) v = rng.uniform();
    d.x.push_back(std::move(x));
    std::vector<std::vector<TruthBox>> t(static_cast<size_t>(net.mini_batch()));
    for (auto& boxes : t)
      for (int b = 0; b < 3; ++b)
        boxes.push_back(TruthBox{rng.uniform(0.2f, 0.8f), rng.uniform(0.2f, 0.8f), rng.uniform(0.1f, 0.5f),
                                 rng.uniform(0.1f, 0.5f), rng.uniform_int(0, classes - 1)});
    d.truths.push_back(std::move(t));
  }
  return d;
}

}  // namespace ds::test
