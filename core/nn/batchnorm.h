// Batch normalisation over the channels of NCHW data on the CPU (darknet's forward_batchnorm_layer /
// backward_batchnorm_layer and the blas.c helpers they call), for every layer with batch_normalize.
//
// Forward, training:  mean_c, var_c over (batch, h, w) with var divided by N - 1 (darknet's
//   variance_cpu); rolling = 0.99 rolling + 0.01 batch_stat; x_norm = (x - mean) / sqrt(var + 1e-5);
//   y = scale_c * x_norm.   Inference: the same with the rolling statistics.
// Backward (delta = -dL/dy, in place): scale_grad_c += sum delta * x_norm; delta *= scale_c; then darknet's
//   mean_delta_cpu, variance_delta_cpu and normalize_delta_cpu (training), or delta /= sqrt(rolling_var + 1e-5)
//   (inference: the statistics are constants). Biases are the caller's (add_bias / backward_bias).
#pragma once
#include <cstddef>
#include <vector>

namespace ds {

constexpr float kBatchNormEpsilon = .00001f;
// The weight of the new batch statistic in the rolling average is ForwardArgs::rolling_momentum: darknet's
// GPU/cuDNN path uses .01 (AlexeyAB's CPU forward_batchnorm_layer .1; we follow the GPU, which trained the paper).

// NCHW data seen as batch x channels x spatial (spatial = h * w).
struct ChannelShape {
  int batch = 1, channels = 1, spatial = 1;
  size_t size() const { return size_t(batch) * channels * spatial; }
};

// darknet's blas.c / convolutional_layer.c primitives, with darknet's arithmetic.
void channel_mean(const float* x, ChannelShape s, float* mean);                           // mean_cpu
void channel_variance(const float* x, const float* mean, ChannelShape s, float* variance); // variance_cpu (N - 1)
void normalize(float* x, const float* mean, const float* variance, ChannelShape s);        // normalize_cpu
void scale_channels(float* x, const float* scales, ChannelShape s);                        // scale_bias
void add_channel_bias(float* x, const float* biases, ChannelShape s);                      // add_bias
void backward_channel_bias(float* bias_grads, const float* delta, ChannelShape s);         // backward_bias
void backward_scale(const float* x_norm, const float* delta, ChannelShape s, float* scale_grads);  // backward_scale_cpu
void mean_delta(const float* delta, const float* variance, ChannelShape s, float* out);    // mean_delta_cpu
void variance_delta(const float* x, const float* delta, const float* mean, const float* variance, ChannelShape s,
                    float* out);                                                           // variance_delta_cpu
void normalize_delta(const float* x, const float* mean, const float* variance, const float* mean_delta,
                     const float* variance_delta, ChannelShape s, float* delta);           // normalize_delta_cpu

// What forward keeps for backward.
struct BatchNormState {
  bool train = false;
  std::vector<float> x;       // input (train)
  std::vector<float> x_norm;  // normalised input, before the scales
  std::vector<float> mean, variance, mean_delta, variance_delta;  // batch statistics and their deltas (train)
};

// In place on `data`: normalise (batch statistics and rolling update when train, rolling statistics
// otherwise), then multiply by `scales`.
void batchnorm_forward(float* data, ChannelShape s, bool train, const float* scales, float* rolling_mean,
                       float* rolling_variance, float rolling_momentum, BatchNormState& st);

// In place on `delta` (the delta of the scaled output): accumulates scale_grads and turns delta into the
// delta of the input, for the mode of the last batchnorm_forward.
void batchnorm_backward(float* delta, ChannelShape s, const float* scales, const float* rolling_variance,
                        float* scale_grads, BatchNormState& st);

}  // namespace ds
