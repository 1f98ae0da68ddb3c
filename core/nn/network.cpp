// Network construction from a cfg (darknet's parse_network_cfg), forward_network and backward_network.
#include "core/nn/network.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "core/util/error.h"

namespace ds {
namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

size_t& network_memory_limit_bytes() {
  // Default: this machine's physical memory; a network that needs more would only be killed later.
  static size_t limit = [] {
    long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? size_t(pages) * size_t(page) : size_t(64) << 30;
  }();
  return limit;
}

Network::Network(const Cfg& cfg, int mini_batch) {
  net_ = parse_net_options(cfg.net());
  cfg.net().check_all_used();
  batch_ = mini_batch > 0 ? mini_batch : net_.mini_batch;
  input_ = Shape{1, net_.channels, net_.height, net_.width};

  std::vector<Shape> shapes;
  for (size_t i = 0; i < cfg.num_layers(); ++i) {
    const CfgSection& s = cfg.layer(i);
    BuildContext ctx{net_, int(i), input_, shapes};
    std::unique_ptr<Layer> l = make_layer(s, ctx);
    if (l->inputs.empty()) l->inputs = {int(i) - 1};
    // Options darknet's parser reads for every layer (parse_network_cfg_custom).
    l->learning_rate_scale = s.get_float("learning_rate", 1.f);
    l->stopbackward = s.get_int("stopbackward", 0) != 0;
    l->dontload = s.get_int("dontload", 0) != 0;
    l->dontloadscales = s.get_int("dontloadscales", 0) != 0;
    for (const char* key : {"onlyforward", "dont_update", "burnin_update", "train_only_bn"})
      if (s.get_int(key, 0) != 0) s.fail(key, "not supported by darksweep (only the default 0 is accepted)");
    if (s.get_float("clip", 0) != 0) s.fail("clip", "not supported by darksweep (only the default 0 is accepted)");
    s.check_all_used();
    shapes.push_back(l->out_shape);
    layers_.push_back(std::move(l));
  }

  check_memory(cfg);
  size_t total = 0;
  for (size_t i = 0; i < layers_.size(); ++i) {
    for (const ParamBlock& b : layers_[i]->param_blocks()) {
      slots_.push_back(ParamSlot{int(i), b, total});
      total += b.count;
    }
  }
  params_.resize(total);
  grads_.resize(total);
  size_t offset = 0;
  for (auto& l : layers_) {
    l->bind_params(params_.data() + offset, grads_.data() + offset);
    for (const ParamBlock& b : l->param_blocks()) offset += b.count;
  }
  for (auto& l : layers_) {
    outputs_.emplace_back(size_t(batch_) * l->out_shape.size());
    deltas_.emplace_back(size_t(batch_) * l->out_shape.size());
  }
}

double Network::memory_estimate_bytes() const {
  // Parameters, gradients and momentum; every layer's output and delta for the mini-batch; and about
  // as much again for what layers keep for backward (batch-norm inputs, im2col workspace).
  double params = 0, activations = 0;
  for (const auto& l : layers_) {
    for (const ParamBlock& b : l->param_blocks()) params += double(b.count);
    activations += double(batch_) * double(l->out_shape.size());
  }
  return 4.0 * (3.0 * params + 4.0 * activations);
}

void Network::check_memory(const Cfg& cfg) const {
  const double limit = double(network_memory_limit_bytes());
  const double need = memory_estimate_bytes();
  if (need <= limit) return;
  // Name the layer that needs the most, so the message points at the line to fix.
  size_t worst = 0;
  double worst_bytes = -1;
  for (size_t i = 0; i < layers_.size(); ++i) {
    double b = double(batch_) * double(layers_[i]->out_shape.size());
    for (const ParamBlock& p : layers_[i]->param_blocks()) b += double(p.count);
    if (b > worst_bytes) worst_bytes = b, worst = i;
  }
  auto gib = [](double bytes) {
    char text[64];
    std::snprintf(text, sizeof text, "%.1f GiB", bytes / double(1ull << 30));
    return std::string(text);
  };
  const CfgSection& s = cfg.layer(worst);
  throw InputError(at_location(s.file, s.line,
                               "the network needs about " + gib(need) + " at mini-batch " + std::to_string(batch_) +
                                   ", more than the limit of " + gib(limit) + "; its largest layer is " +
                                   std::to_string(worst) + " [" + s.type + "] with output " +
                                   layers_[worst]->out_shape.str() + " (check filters, size, width, height, batch)"));
}

void Network::init_params(Rng& rng) {
  for (auto& l : layers_) l->init_params(rng);
}

Tensor Network::output(size_t i) {
  Shape s = layers_.at(i)->out_shape;
  s.n = batch_;
  return outputs_[i].view(s);
}

Tensor Network::delta(size_t i) {
  Shape s = layers_.at(i)->out_shape;
  s.n = batch_;
  return deltas_[i].view(s);
}

std::vector<Tensor> Network::views_of(const Layer& l, const float* input, bool deltas, float* input_delta) {
  std::vector<Tensor> v;
  for (int i : l.inputs) {
    if (i >= 0) {
      v.push_back(deltas ? delta(size_t(i)) : output(size_t(i)));
    } else {
      Shape s = input_;
      s.n = batch_;
      // The network input has a delta only when backward() is given one; its data view is read-only in practice.
      v.push_back(Tensor{deltas ? input_delta : const_cast<float*>(input), s, Device::cpu});
    }
  }
  return v;
}

void Network::forward(const float* input, bool train, Rng* rng, int iteration,
                      const std::vector<std::vector<TruthBox>>* truths, float rolling_momentum,
                      int subdivision) {
  if (accelerator_)
    return accelerator_->forward(input, train, rng, iteration, truths, rolling_momentum, subdivision,
                                 !statistics_frozen_);
  if (train || truths)  // loss layers write fresh deltas whenever they get truths
    for (auto& d : deltas_) d.fill(0.f);
  for (size_t i = 0; i < layers_.size(); ++i) {
    ForwardArgs a{views_of(*layers_[i], input, false), output(i), train, rng, iteration, net_.max_batches,
                  delta(i), truths, rolling_momentum, subdivision, !statistics_frozen_};
    double t0 = profiling_ ? now_seconds() : 0;
    layers_[i]->forward(a);
    if (profiling_) forward_seconds_[i] += now_seconds() - t0;
  }
}

void Network::backward(const float* input, float* input_delta) {
  if (accelerator_) return accelerator_->backward(input, input_delta);
  for (size_t k = layers_.size(); k-- > 0;) {
    Layer& l = *layers_[k];
    if (l.stopbackward) break;  // darknet's backward_network stops here: this and lower layers stay frozen
    BackwardArgs a;
    a.in = views_of(l, input, false);
    a.in_delta = views_of(l, input, true, input_delta);
    a.out = output(k);
    a.out_delta = delta(k);
    double t0 = profiling_ ? now_seconds() : 0;
    l.backward(a);
    if (profiling_) backward_seconds_[k] += now_seconds() - t0;
  }
}

void Network::attach(std::unique_ptr<Accelerator> a) {
  accelerator_ = std::move(a);
  sync_to_device();
}

void Network::sync_to_host() const {
  if (accelerator_) accelerator_->download_parameters();
}

void Network::sync_to_device() {
  if (accelerator_) accelerator_->upload_parameters();
}

void Network::sync_output_to_host(size_t i) {
  if (accelerator_) accelerator_->download_output(i);
}

void Network::sync_delta_to_device(size_t i) {
  if (accelerator_) accelerator_->upload_delta(i);
}

void Network::set_profiling(bool on) {
  profiling_ = on;
  forward_seconds_.assign(layers_.size(), 0.0);
  backward_seconds_.assign(layers_.size(), 0.0);
}

double Network::forward_flops() const {
  double f = 0;
  for (const auto& l : layers_) f += l->forward_flops();
  return f;
}

}  // namespace ds
