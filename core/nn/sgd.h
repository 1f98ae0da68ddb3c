// darknet's optimiser: the learning-rate schedule (get_current_rate) and the SGD step
// (update_convolutional_layer / update_shortcut_layer), applied to the network's flat buffers.
//
// With g = grads() holding the accumulated NEGATIVE gradient summed over the batch:
//   weights:        g += -decay * batch * w;   w += lr * scale / batch * g;   g *= momentum
//   biases, scales: w += lr * scale / batch * g;   g *= momentum
//   rolling stats:  untouched
// where batch is the full batch (mini_batch * subdivisions) and scale is the layer's learning_rate.
#pragma once
#include "core/nn/network.h"

namespace ds {

// Learning rate at iteration `batch_num` (number of completed batches), burn-in included.
float learning_rate_at(const NetOptions& net, int batch_num);

// One SGD step over every parameter of `network`.
void sgd_step(Network& network, float learning_rate);

}  // namespace ds
