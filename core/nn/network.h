// Network: the layers of a cfg, their activations, and ONE flat parameter buffer (plus one gradient
// buffer) laid out in darknet .weights order, so that the optimiser, checkpoints and all-reduce are each
// one operation on one buffer.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/cfg/cfg.h"
#include "core/layer.h"
#include "core/nn/accelerator.h"
#include "core/nn/box.h"
#include "core/nn/net_options.h"

namespace ds {

// Where one ParamBlock of one layer lives in the flat buffers.
struct ParamSlot {
  int layer = 0;
  ParamBlock block;
  size_t offset = 0;
};

// The most memory a Network may need (memory_estimate_bytes); a cfg that needs more (filters=1000000000,
// width=100000) is an InputError naming its largest layer's file:line before anything is allocated.
// Default: the machine's physical memory. Fuzzers and tests lower it.
size_t& network_memory_limit_bytes();

class Network {
 public:
  // Builds every layer of `cfg` (options validated: an unknown key is an error naming file:line).
  // `mini_batch` > 0 replaces the cfg's batch/subdivisions (inspect and bench use the input's batch).
  explicit Network(const Cfg& cfg, int mini_batch = 0);

  const NetOptions& options() const { return net_; }
  NetOptions& options() { return net_; }
  size_t num_layers() const { return layers_.size(); }
  Layer& layer(size_t i) { return *layers_.at(i); }
  const Layer& layer(size_t i) const { return *layers_.at(i); }
  Shape input_shape() const { return input_; }  // per image
  int mini_batch() const { return batch_; }

  // Flat buffers. grads() holds darknet's *_updates: accumulated -dL/dparam, then momentum-scaled.
  float* params() { return params_.data(); }
  const float* params() const { return params_.data(); }
  float* grads() { return grads_.data(); }
  const float* grads() const { return grads_.data(); }
  size_t num_params() const { return params_.size(); }
  const std::vector<ParamSlot>& param_slots() const { return slots_; }

  // darknet's initialisation (each layer's init_params, in order).
  void init_params(Rng& rng);

  // input: mini_batch x C x H x W, contiguous. In training mode, or when `truths` (one list per image)
  // are given, the deltas are zeroed first and the loss layers ([yolo]) write theirs during the pass.
  // `subdivision`: the 0-based index of this mini-batch within the batch (ForwardArgs::subdivision).
  void forward(const float* input, bool train, Rng* rng = nullptr, int iteration = 0,
               const std::vector<std::vector<TruthBox>>* truths = nullptr, float rolling_momentum = 0.01f,
               int subdivision = 0);
  // Back-propagates from the deltas the last layers hold, down to the first layer or a stopbackward.
  // input_delta (mini_batch x C x H x W, or nullptr): receives += the delta of the network input, darknet's
  // state.delta of layer 0 (SAT's adversarial step); the caller zeroes it.
  void backward(const float* input, float* input_delta = nullptr);

  // While frozen, training-mode forward passes leave batch norm's rolling statistics and CmBN accumulators as
  // they are (ForwardArgs::update_statistics = false): SAT's adversarial pass.
  void freeze_statistics(bool frozen) { statistics_frozen_ = frozen; }

  // From now on `a` runs forward, backward and sgd_step on its device (core/nn/accelerator.h); it is given the
  // current parameters and optimiser state. accelerator() is nullptr on the CPU.
  void attach(std::unique_ptr<Accelerator> a);
  Accelerator* accelerator() const { return accelerator_.get(); }
  // With an accelerator: the device's parameters and gradients into params()/grads() (before the host reads
  // them), and back (after the host changed them). Without one: nothing to do.
  void sync_to_host() const;
  void sync_to_device();
  // With an accelerator: layer i's output into output(i), and delta(i) back to the device (a loss computed on the
  // host between forward and backward). Without one: nothing to do.
  void sync_output_to_host(size_t i);
  void sync_delta_to_device(size_t i);

  Tensor output(size_t i);
  Tensor delta(size_t i);
  // Multiply-adds x2 of one forward pass of one image.
  double forward_flops() const;
  // What training at this mini-batch needs, about (parameters, gradients, momentum, activations, deltas).
  double memory_estimate_bytes() const;

  // When profiling, forward() and backward() add each layer's wall time to these (seconds).
  void set_profiling(bool on);
  const std::vector<double>& forward_seconds() const { return forward_seconds_; }
  const std::vector<double>& backward_seconds() const { return backward_seconds_; }

 private:
  std::vector<Tensor> views_of(const Layer& l, const float* input, bool deltas, float* input_delta = nullptr);
  void check_memory(const Cfg& cfg) const;

  NetOptions net_;
  Shape input_;
  int batch_ = 1;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<Buffer> outputs_, deltas_;
  Buffer params_, grads_;
  std::vector<ParamSlot> slots_;
  bool profiling_ = false;
  bool statistics_frozen_ = false;
  std::unique_ptr<Accelerator> accelerator_;
  std::vector<double> forward_seconds_, backward_seconds_;
};

}  // namespace ds
