// CUDA batch normalisation: the device versions of core/nn/batchnorm.h (same formulas, darknet's arithmetic;
// the CPU functions are the test oracle). All pointers are device memory; `s` is the NCHW layout.
#pragma once
#include "core/cuda/device_buffer.h"
#include "core/nn/batchnorm.h"

namespace ds::cuda {

// What forward keeps for backward (device copies of BatchNormState's vectors).
struct BatchNormDeviceState {
  bool train = false;
  DeviceBuffer x, x_norm;                        // input (train), normalised input
  DeviceBuffer mean, variance;                   // statistics used (train)
  DeviceBuffer batch_mean, batch_variance;       // this mini-batch's own
  DeviceBuffer acc_mean, acc_variance;           // CmBN: pooled statistics of the batch's mini-batches so far
  DeviceBuffer mean_delta, variance_delta;
  bool have_acc = false;                         // acc_* hold a previous mini-batch's statistics
};

// batchnorm_forward / batchnorm_backward of core/nn/batchnorm.h on the device.
void batchnorm_forward(float* data, ChannelShape s, bool train, const float* scales, float* rolling_mean,
                       float* rolling_variance, float rolling_momentum, BatchNormDeviceState& st, int cmbn_index,
                       bool update_statistics);
void batchnorm_backward(float* delta, ChannelShape s, const float* scales, const float* rolling_variance,
                        float* scale_grads, BatchNormDeviceState& st);

// backward_channel_bias (the convolution's biases; the forward adds them in add_bias_and_activate, activations.h).
void backward_channel_bias(float* bias_grads, const float* delta, ChannelShape s);

}  // namespace ds::cuda
