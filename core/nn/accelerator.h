// Accelerator: runs a Network's passes and its SGD step on another device than the CPU (the CUDA backend,
// core/cuda/cuda_network.h). Once attached (Network::attach) the device holds the authoritative parameters,
// optimiser state and activations; the Network's own buffers are a host copy, brought up to date by
// sync_to_host() before anything reads them on the host (checkpoints, .weights, evaluation networks) and sent
// back by sync_to_device() after the host changed them.
#pragma once
#include <stdexcept>
#include <string>
#include <vector>

#include "core/nn/box.h"
#include "core/util/rng.h"

namespace ds {

// The precisions of a device's convolutions (cuda::Precision): "fp32" (every device, the default), "tf32", "mixed".
inline const std::vector<std::string>& precision_names() {
  static const std::vector<std::string> names{"fp32", "tf32", "mixed"};
  return names;
}
inline bool is_precision_name(const std::string& name) {
  for (const std::string& n : precision_names())
    if (n == name) return true;
  return false;
}

class Accelerator {
 public:
  virtual ~Accelerator() = default;
  virtual std::string device() const = 0;  // "cuda"

  // Network::forward / Network::backward (same arguments, host input and input delta). After an inference pass
  // the outputs of the network's last layers (those no layer reads: the [yolo] heads) are in the host network's
  // output buffers, where evaluation reads them.
  virtual void forward(const float* input, bool train, Rng* rng, int iteration,
                       const std::vector<std::vector<TruthBox>>* truths, float rolling_momentum, int subdivision,
                       bool update_statistics) = 0;
  virtual void backward(const float* input, float* input_delta) = 0;
  // sgd_step (core/nn/sgd.h) on the device's buffers.
  virtual void sgd_step(float learning_rate) = 0;
  // Parameters and gradients (optimiser state included): device -> host copy, host copy -> device.
  virtual void download_parameters() = 0;
  virtual void upload_parameters() = 0;
  // Layer i's output into the host network's output buffer, and the host's delta of layer i to the device: a loss
  // computed outside the network (the classifier's) reads the one and writes the other.
  virtual void download_output(size_t layer) = 0;
  virtual void upload_delta(size_t layer) = 0;
  // Waits for the device's queued work (benchmarks time whole steps); the device memory this process uses.
  virtual void synchronize() = 0;
  virtual size_t memory_in_use_bytes() const = 0;

  // Data parallelism with an all-reduce of device memory (core/train/data_parallel.h, NCCL), so that the flat
  // buffers never visit the host. The device's flat parameter and gradient buffers, in the host network's layout
  // (ParamSlot offsets index them); nullptr on a device that does not offer them.
  virtual float* device_params() { return nullptr; }
  virtual float* device_grads() { return nullptr; }
  // Before an iteration's first backward: the gradient buffer (between iterations, darknet's momentum-scaled
  // update m) is kept in a device buffer and zeroed.
  virtual void data_parallel_begin() { throw std::logic_error(device() + ": no device data parallelism"); }
  // After the all-reduce of device_grads() and of the rolling statistics: the gradient buffer += m, and every
  // rolling_mean / rolling_variance block *= rolling_scale (1/k: the processes' average). The device then takes its
  // parameters as changed (what was written through device_params() included).
  virtual void data_parallel_end(float rolling_scale) {
    throw std::logic_error(device() + ": no device data parallelism");
  }
};

}  // namespace ds
