// cuda::Network (cuda_network.h): device buffers, the forward and backward passes over the ops, the SGD step.
#include "core/cuda/cuda_network.h"

#include <algorithm>

#include "core/cuda/cuda_check.h"
#include "core/cuda/sgd.h"
#include "core/util/error.h"

namespace ds::cuda {
namespace {

void zero(DeviceBuffer& b) {
  if (b.size()) DS_CUDA_CHECK(cudaMemset(b.data(), 0, b.size() * sizeof(float)));
}

}  // namespace

Precision parse_precision(const std::string& name, const std::string& where) {
  if (!is_precision_name(name)) {
    std::string valid;
    for (const std::string& n : precision_names()) valid += (valid.empty() ? "" : ", ") + n;
    throw InputError(where + ": unknown precision '" + name + "' (valid: " + valid + ")");
  }
  return name == "tf32" ? Precision::tf32 : name == "mixed" ? Precision::mixed : Precision::fp32;
}

Network::Network(ds::Network& host, Precision precision)
    : host_(host), precision_(precision), input_(size_t(host.mini_batch()) * host.input_shape().size()) {
  const size_t batch = size_t(host.mini_batch());
  params_ = DeviceBuffer(host.num_params());
  grads_ = DeviceBuffer(host.num_params());
  std::vector<bool> read(host.num_layers(), false);
  for (size_t i = 0; i < host.num_layers(); ++i) {
    const Layer& l = host.layer(i);
    outputs_.emplace_back(batch * l.out_shape.size());
    deltas_.emplace_back(batch * l.out_shape.size());
    for (int k : l.inputs)
      if (k >= 0) read[size_t(k)] = true;
  }
  for (size_t i = 0; i < host.num_layers(); ++i)
    if (!read[i]) final_layers_.push_back(i);
  // One op per layer, bound to the layer's slice of the flat buffers (its blocks are contiguous, in order).
  std::vector<size_t> first_offset(host.num_layers(), 0);
  for (auto it = host.param_slots().rbegin(); it != host.param_slots().rend(); ++it)
    first_offset[size_t(it->layer)] = it->offset;
  for (size_t i = 0; i < host.num_layers(); ++i) {
    ops_.push_back(make_op(*this, i));
    ops_.back()->bind_params(params_.data() + first_offset[i], grads_.data() + first_offset[i]);
  }
}

Network::~Network() = default;

Tensor Network::input() {
  Shape s = host_.input_shape();
  s.n = host_.mini_batch();
  return Tensor{input_.current(), s, Device::cuda};
}

Tensor Network::output(size_t i) {
  Shape s = host_.layer(i).out_shape;
  s.n = host_.mini_batch();
  return outputs_.at(i).view(s);
}

Tensor Network::delta(size_t i) {
  Shape s = host_.layer(i).out_shape;
  s.n = host_.mini_batch();
  return deltas_.at(i).view(s);
}

std::vector<Tensor> Network::views_of(const Layer& l, bool deltas, bool want_input_delta) {
  std::vector<Tensor> v;
  for (int i : l.inputs) {
    if (i >= 0) {
      v.push_back(deltas ? delta(size_t(i)) : output(size_t(i)));
    } else {
      Tensor t = deltas ? input_delta_.view(input().shape) : input();
      if (deltas && !want_input_delta) t.data = nullptr;  // the network input wants no delta
      v.push_back(t);
    }
  }
  return v;
}

void Network::forward(const float* input, bool train, Rng* rng, int iteration,
                      const std::vector<std::vector<TruthBox>>* truths, float rolling_momentum, int subdivision,
                      bool update_statistics) {
  input_.upload(input);
  if (train || truths)
    for (DeviceBuffer& d : deltas_) zero(d);
  for (size_t i = 0; i < ops_.size(); ++i) {
    const Layer& l = host_.layer(i);
    ForwardArgs a{views_of(l, false, false), output(i), train, rng, iteration, host_.options().max_batches,
                  delta(i), truths, rolling_momentum, subdivision, update_statistics};
    ops_[i]->forward(a);
  }
  if (!train)  // evaluation reads the network's outputs on the host
    for (size_t i : final_layers_) copy_to_host(host_.output(i).data, outputs_[i].data(), outputs_[i].size());
}

void Network::backward(const float* input, float* input_delta) {
  if (input_delta) {
    if (input_delta_.size() != input_.size()) input_delta_ = DeviceBuffer(input_.size());
    zero(input_delta_);
  }
  for (size_t k = ops_.size(); k-- > 0;) {
    const Layer& l = host_.layer(k);
    if (l.stopbackward) break;  // as ds::Network::backward
    BackwardArgs a;
    a.in = views_of(l, false, false);
    a.in_delta = views_of(l, true, input_delta != nullptr);
    a.out = output(k);
    a.out_delta = delta(k);
    ops_[k]->backward(a);
  }
  if (input_delta) {  // the caller's buffer receives +=, as on the CPU
    std::vector<float> d = input_delta_.download();
    for (size_t i = 0; i < d.size(); ++i) input_delta[i] += d[i];
  }
}

void Network::sgd_step(float learning_rate) {
  ++parameters_version_;
  const NetOptions& n = host_.options();
  if (!sgd_segments_.data()) {  // the parameter blocks never change: their table is uploaded once
    std::vector<SgdSegment> segments;
    for (const ParamSlot& s : host_.param_slots()) {
      if (s.block.kind == ParamKind::rolling_mean || s.block.kind == ParamKind::rolling_variance) continue;
      segments.push_back({s.offset, s.block.count, host_.layer(size_t(s.layer)).learning_rate_scale,
                          s.block.kind == ParamKind::weight});
      longest_segment_ = std::max(longest_segment_, s.block.count);
    }
    sgd_segment_count_ = int(segments.size());
    sgd_segments_.upload(segments);
  }
  sgd_update(params_.data(), grads_.data(), sgd_segments_.data(), sgd_segment_count_, longest_segment_,
             learning_rate, float(n.mini_batch * n.subdivisions), n.decay, n.momentum);
}

void Network::download_parameters() {
  copy_to_host(host_.params(), params_.data(), params_.size());
  copy_to_host(host_.grads(), grads_.data(), grads_.size());
}

void Network::download_output(size_t layer) {
  copy_to_host(host_.output(layer).data, outputs_.at(layer).data(), outputs_[layer].size());
}

void Network::upload_delta(size_t layer) {
  copy_to_device(deltas_.at(layer).data(), host_.delta(layer).data, deltas_[layer].size());
}

void Network::synchronize() { DS_CUDA_CHECK(cudaDeviceSynchronize()); }

size_t Network::memory_in_use_bytes() const {  // the whole device's, as nvidia-smi shows it
  size_t free = 0, total = 0;
  DS_CUDA_CHECK(cudaMemGetInfo(&free, &total));
  return total - free;
}

void Network::upload_parameters() {
  ++parameters_version_;
  copy_to_device(params_.data(), host_.params(), params_.size());
  copy_to_device(grads_.data(), host_.grads(), grads_.size());
}

}  // namespace ds::cuda
