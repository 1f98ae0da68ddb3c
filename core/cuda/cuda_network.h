// cuda::Network: a ds::Network run on the GPU. The CPU network describes the layers and keeps the host copy of
// the parameters (core/nn/accelerator.h); this holds the device's flat parameter and gradient buffers (the CPU's
// layout, so checkpoints and .weights stay one copy away), every layer's output and delta, and one op per layer
// (core/cuda/op.h). Attach it with host.attach(std::make_unique<cuda::Network>(host)).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/cuda/device_array.h"
#include "core/cuda/device_buffer.h"
#include "core/cuda/input_upload.h"
#include "core/cuda/op.h"
#include "core/cuda/sgd.h"
#include "core/nn/network.h"

namespace ds::cuda {

// How the convolutions compute (convolutional_op.cpp): fp32 (the CPU's arithmetic up to summation order), tf32
// (tensor-core products of fp32 tensors), mixed (fp16 tensor-core convolutions, fp32 master weights, [net]
// loss_scale). Everything else is fp32 in every mode.
enum class Precision { fp32, tf32, mixed };
// "fp32" | "tf32" | "mixed"; an unknown name is an InputError listing the valid ones.
Precision parse_precision(const std::string& name, const std::string& where);

class Network : public Accelerator {
 public:
  explicit Network(ds::Network& host, Precision precision = Precision::fp32);
  ~Network() override;

  std::string device() const override { return "cuda"; }
  void forward(const float* input, bool train, Rng* rng, int iteration,
               const std::vector<std::vector<TruthBox>>* truths, float rolling_momentum, int subdivision,
               bool update_statistics) override;
  void backward(const float* input, float* input_delta) override;
  void sgd_step(float learning_rate) override;
  void download_parameters() override;
  void upload_parameters() override;
  void download_output(size_t layer) override;
  void upload_delta(size_t layer) override;
  void synchronize() override;
  size_t memory_in_use_bytes() const override;

  ds::Network& host() { return host_; }
  Precision precision() const { return precision_; }
  // Changes whenever the device parameters may have (each SGD step, each upload): ops that keep converted copies
  // of their parameters (mixed precision's fp16 weights) convert again only then.
  uint64_t parameters_version() const { return parameters_version_; }
  // Device views: the network input, layer i's output and delta (batch = the host network's mini-batch).
  Tensor input();
  Tensor output(size_t i);
  Tensor delta(size_t i);
  // Device data parallelism (accelerator.h; defined in cuda_network_data_parallel.cpp).
  float* device_params() override { return params_.data(); }
  float* device_grads() override { return grads_.data(); }
  void data_parallel_begin() override;
  void data_parallel_end(float rolling_scale) override;

 private:
  std::vector<Tensor> views_of(const Layer& l, bool deltas, bool want_input_delta);

  ds::Network& host_;
  Precision precision_;
  DeviceBuffer params_, grads_, input_delta_;
  InputUpload input_;  // the network input, uploaded beside the previous pass's work
  std::vector<DeviceBuffer> outputs_, deltas_;
  std::vector<std::unique_ptr<Op>> ops_;
  std::vector<size_t> final_layers_;  // layers no other layer reads: the network's outputs
  uint64_t parameters_version_ = 0;
  DeviceBuffer kept_momentum_;  // data_parallel_begin's copy of the gradient buffer
  DeviceArray<SgdSegment> sgd_segments_;  // the parameter blocks SGD updates (sgd.h), made at the first step
  int sgd_segment_count_ = 0;
  size_t longest_segment_ = 0;
};

}  // namespace ds::cuda
