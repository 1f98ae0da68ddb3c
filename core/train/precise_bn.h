// Precise BN: re-estimates every batch-norm layer's rolling statistics as the plain average over a number
// of training mini-batches. darknet's 0.99 moving average lags far behind the weights in short schedules
// (hundreds of iterations, the smoke scale), which makes inference-mode outputs meaningless; at paper
// scale (500k iterations) it converges and this step changes little. A deliberate, opt-in deviation.
#pragma once
#include <cstdint>

#include "core/data/dataset.h"
#include "core/nn/network.h"

namespace ds {

// Zeroes the rolling statistics, then runs `batches` training-mode forward passes over `train` images
// (validation preprocessing at the network size, deterministic for `seed`) with rolling momentum 1/k.
void reestimate_batchnorm(Network& net, const Dataset& train, int batches, uint64_t seed);

}  // namespace ds
