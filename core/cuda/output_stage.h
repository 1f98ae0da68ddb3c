// The convolution's output stage on the device: batch norm (plain or CmBN) when the layer has it, then the biases,
// then the activation, forward and backward, each fused into as few passes over the output as its data
// dependences allow. The formulas and darknet's arithmetic are the CPU's (core/nn/batchnorm.h,
// core/nn/activations.h, ConvolutionalLayer), which are the test oracle (tests/cuda/test_cuda_output_stage.cpp);
// the per-channel sums are block_sums (kernels.cuh: up to 64 blocks per channel, so that the wide early layers'
// few channels still fill the device; trees in shared memory, so they differ from the CPU's sequential float sums
// by rounding only). All pointers are device memory; `s` is the NCHW layout.
//
// forward, with batch norm (training):
//   launch 1, per channel c: batch_mean[c] = Σ x / N and batch_variance[c] = Σ (x − mean)² / (N − 1) in one pass
//             (Welford's running moments, merged pairwise; darknet's mean_cpu and variance_cpu take two passes and
//             round differently, by a few ulp); the statistics used: these, or CmBN's
//             pooling with the earlier mini-batches' (cmbn_accumulate); the CmBN accumulators and the rolling
//             statistics updated (rolling ← (1 − m)·rolling + m·used) unless update_statistics is false
//   launch 2, one thread per element: x_norm = (x − mean)/sqrt(var + ε) (kept), u = scale·x_norm + bias,
//             pre_act = u when kept (swish, mish and hard_mish differentiate at u), y = f(u)
//   with the rolling statistics (inference): launch 2 only; without batch norm: u = x + bias, y = f(u).
// backward, with batch norm (training):
//   launch 1, per channel c: delta ← delta·f'(pre, post); bias_grads[c] += Σ delta;
//             scale_grads[c] += Σ delta·x_norm; mean_delta[c] = scale[c]·Σ delta · −1/sqrt(var + ε);
//             variance_delta[c] = scale[c]·Σ delta·(x − mean) · −½(var + ε)^−3/2 (darknet sums scale·delta;
//             taking scale[c] out of the sum is the same up to rounding)
//   launch 2, one thread per element: delta ← normalize_delta(scale·delta) (ε outside the root, darknet's N)
//   with the rolling statistics: delta ← scale·delta / sqrt(rolling_variance + ε); without batch norm: launch 1's
//   activation and bias sums only.
// Unfused, the training forward took five kernels (mean, variance, rolling update, normalisation, biases and
// activation; six with CmBN's pooling) and two to four device-to-device copies, the backward seven kernels;
// tests/cuda_emulation/test_emulated_launches.cpp counts them. A channel-wise activation (normalize_channels*)
// needs every channel of a pixel: it runs as a pass of its own.
#pragma once
#include "core/cuda/device_buffer.h"
#include "core/nn/activations.h"
#include "core/nn/batchnorm.h"

namespace ds::cuda {

// What the forward keeps for the backward, and CmBN's accumulators across a batch's mini-batches.
struct BatchNormDeviceState {
  bool train = false;
  DeviceBuffer x, x_norm;                        // input (train), normalised input
  DeviceBuffer mean, variance;                   // statistics used (train)
  DeviceBuffer batch_mean, batch_variance;       // this mini-batch's own
  DeviceBuffer acc_mean, acc_variance;           // CmBN: pooled statistics of the batch's mini-batches so far
  DeviceBuffer mean_delta, variance_delta;
  bool have_acc = false;                         // acc_* hold a previous mini-batch's statistics
};

// A convolution's batch norm: its parameters and gradients, what the forward keeps, and the pass's mode
// (core/nn/batchnorm.h, batchnorm_forward: train, cmbn_index, update_statistics, rolling_momentum).
struct BatchNorm {
  const float* scales;
  float* rolling_mean;
  float* rolling_variance;
  float* scale_grads;
  BatchNormDeviceState& st;
  bool train = false;
  float rolling_momentum = .01f;
  int cmbn_index = 0;  // 0: plain batch norm; k >= 1: CmBN on the k-th mini-batch of the batch
  bool update_statistics = true;
};

// In place on `data` (the convolution's output): the forward above. pre_act: where u goes, or nullptr when the
// activation's derivative does not need it. bn: nullptr without batch norm.
void output_stage_forward(Activation a, float* data, ChannelShape s, const float* biases, float* pre_act,
                          const BatchNorm* bn);
// In place on `delta` (of the activation's output, become that of the convolution's output): the backward above,
// for the mode of the last forward. pre/post: the activation's input and output.
void output_stage_backward(Activation a, const float* pre, const float* post, float* delta, ChannelShape s,
                           float* bias_grads, const BatchNorm* bn);

}  // namespace ds::cuda
