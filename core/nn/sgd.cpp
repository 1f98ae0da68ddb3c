// Learning-rate policies and the SGD update, matching darknet's get_current_rate and update_*_layer.
#include "core/nn/sgd.h"

#include <cmath>

namespace ds {

float learning_rate_at(const NetOptions& n, int batch_num) {
  if (batch_num < n.burn_in) return n.learning_rate * std::pow(float(batch_num) / n.burn_in, n.power);
  const std::string& p = n.policy;
  if (p == "constant") return n.learning_rate;
  if (p == "step") return n.learning_rate * std::pow(n.scale, float(batch_num / n.step));
  if (p == "steps") {
    float rate = n.learning_rate;
    for (size_t i = 0; i < n.steps.size(); ++i) {
      if (n.steps[i] > batch_num) return rate;
      rate *= n.scales[i];
    }
    return rate;
  }
  if (p == "exp") return n.learning_rate * std::pow(n.gamma, float(batch_num));
  if (p == "poly") return n.learning_rate * std::pow(1.f - float(batch_num) / n.max_batches, n.power);
  if (p == "sigmoid") return n.learning_rate * float(1.0 / (1.0 + std::exp(n.gamma * (batch_num - n.step))));
  // sgdr: cosine annealing with warm restarts; the cycle grows by sgdr_mult at each restart.
  long long start = 0, cycle = n.sgdr_cycle > 0 ? n.sgdr_cycle : (n.max_batches > 0 ? n.max_batches : 1);
  while (start + cycle < batch_num) {
    start += cycle;
    cycle *= n.sgdr_mult;
  }
  return n.learning_rate_min + 0.5f * (n.learning_rate - n.learning_rate_min) *
                                   float(1.0 + std::cos(double(batch_num - start) * 3.14159265 / double(cycle)));
}

void sgd_step(Network& network, float learning_rate) {
  if (Accelerator* a = network.accelerator()) return a->sgd_step(learning_rate);
  const NetOptions& n = network.options();
  const float batch = float(n.mini_batch * n.subdivisions);
  float* w = network.params();
  float* g = network.grads();
  for (const ParamSlot& s : network.param_slots()) {
    if (s.block.kind == ParamKind::rolling_mean || s.block.kind == ParamKind::rolling_variance) continue;
    const float lr = learning_rate * network.layer(size_t(s.layer)).learning_rate_scale / batch;
    float* pw = w + s.offset;
    float* pg = g + s.offset;
    const bool decay = s.block.kind == ParamKind::weight;
    for (size_t i = 0; i < s.block.count; ++i) {
      if (decay) pg[i] += -n.decay * batch * pw[i];
      pw[i] += lr * pg[i];
      pg[i] *= n.momentum;
    }
  }
}

}  // namespace ds
