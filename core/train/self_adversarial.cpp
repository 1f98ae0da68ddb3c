// Self-adversarial training's adversarial pass (see self_adversarial.h).
#include "core/train/self_adversarial.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace ds {

bool self_adversarial_due(const NetOptions& net, int64_t iteration, Rng& rng) {
  return net.adversarial_lr != 0 && iteration > net.burn_in && rng.uniform_int(0, 1) == 1;
}

float self_adversarial_step(const NetOptions& net, int64_t iteration) {
  // darknet: adversarial_lr * (get_current_iteration(net) / (float)net.max_batches)
  return net.adversarial_lr * (float(iteration) / float(net.max_batches));
}

void self_adversarial_pass(Network& net, float* input, float step,
                           const std::function<void(const float* input)>& forward_empty_truth) {
  const size_t n = size_t(net.mini_batch()) * net.input_shape().size();
  // The pass must not change the model: its parameter gradients are dropped (the buffer is put back as it was,
  // holding the earlier mini-batches' sums) and batch norm's statistics stay frozen (self_adversarial.h).
  net.sync_to_host();
  const std::vector<float> saved_grads(net.grads(), net.grads() + net.num_params());
  std::vector<float> input_delta(n, 0.f);
  net.freeze_statistics(true);
  try {
    forward_empty_truth(input);
    net.backward(input, input_delta.data());
  } catch (...) {
    net.freeze_statistics(false);
    throw;
  }
  net.freeze_statistics(false);
  std::copy(saved_grads.begin(), saved_grads.end(), net.grads());
  net.sync_to_device();
  for (size_t i = 0; i < n; ++i)  // axpy_ongpu(x_size, lr, delta, input) then constrain_min_max_ongpu(0, 1)
    input[i] = std::fmin(1.f, std::fmax(0.f, input[i] + step * input_delta[i]));
}

}  // namespace ds
