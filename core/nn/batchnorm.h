// Batch normalisation over the channels of NCHW data on the CPU (darknet's forward_batchnorm_layer /
// backward_batchnorm_layer and the blas.c helpers they call), for every layer with batch_normalize.
//
// Forward, training:  mean_c, var_c over (batch, h, w) with var divided by N - 1 (darknet's
//   variance_cpu); rolling = 0.99 rolling + 0.01 batch_stat; x_norm = (x - mean) / sqrt(var + 1e-5);
//   y = scale_c * x_norm.   Inference: the same with the rolling statistics.
// Backward (delta = -dL/dy, in place): scale_grad_c += sum delta * x_norm; delta *= scale_c; then darknet's
//   mean_delta_cpu, variance_delta_cpu and normalize_delta_cpu (training), or delta /= sqrt(rolling_var + 1e-5)
//   (inference: the statistics are constants). Biases are the caller's (add_bias / backward_bias).
//
// CmBN (cross mini-batch normalisation, [convolutional] batch_normalize=2 or cbn=1), training, on the k-th
// mini-batch of a batch (k = darknet's current_subdivision + 1, 1-based): the statistics used are those of
// the k mini-batches seen so far in this batch,
//   mean_acc = mean/k + (1 - 1/k)·mean_acc
//   var_acc  = var/k + (1 - 1/k)·var_acc + (1/k)(1 - 1/k)·(mean - mean_acc_before)²
// (the pooled variance; at k = 1 both are this mini-batch's own, so CmBN with subdivisions=1 is plain BN);
// the rolling statistics take (mean_acc, var_acc) with the usual momentum on every mini-batch; the backward
// is plain BN's formulas evaluated at (mean_acc, var_acc), as darknet's.
// This is darknet's fast_v_cbn_gpu (blas_kernels.cu, called by forward_batchnorm_layer_gpu), which averages
// the mean and the raw second moment E[x²] over the mini-batches and takes var = E[x²]_acc - mean_acc²: the
// same pooled variance. Where darksweep deliberately differs from darknet:
// - darknet has CmBN on the GPU only (its CPU forward_batchnorm_layer ignores batch_normalize=2 and does plain
//   BN); darksweep has it on the CPU reference.
// - darknet divides the raw second moment Σx² by N - 1, so that at k = 1 its variance is the unbiased variance
//   plus mean²/(N - 1), and it evaluates E[x²] - mean² in float (cancellation); darksweep pools each
//   mini-batch's unbiased variance (variance_cpu, as plain BN) in the form above, so k = 1 is plain BN exactly.
// - darknet's backward is not the exact gradient for k > 1: the current mini-batch makes only 1/k of the
//   statistics but the backward treats them as its own. darksweep keeps darknet's backward (it is what trained
//   the paper), so a finite-difference check of CmBN holds at k = 1 only.
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
  std::vector<float> mean, variance, mean_delta, variance_delta;  // statistics used and their deltas (train)
  std::vector<float> batch_mean, batch_variance;  // this mini-batch's own statistics (CmBN accumulates them)
  std::vector<float> acc_mean, acc_variance;      // CmBN: the pooled statistics of this batch's mini-batches so far
};

// CmBN: the statistics of mini-batches 1..k of this batch into st.mean / st.variance: the k-th mini-batch's own
// (batch_mean, batch_variance) folded into st.acc_mean / st.acc_variance, which hold those of mini-batches
// 1..k-1 (ignored at k = 1). Formula above. The accumulators themselves are left as they are.
void cmbn_accumulate(int k, int channels, BatchNormState& st);

// In place on `data`: normalise (batch statistics and rolling update when train, rolling statistics
// otherwise), then multiply by `scales`. cmbn_index: 0 for plain BN, k >= 1 for CmBN on the k-th mini-batch
// of the batch. update_statistics = false (ForwardArgs::update_statistics: SAT's adversarial pass) normalises
// exactly as in training but leaves the rolling statistics and the CmBN accumulators untouched, so that the
// pass changes nothing a later pass sees.
void batchnorm_forward(float* data, ChannelShape s, bool train, const float* scales, float* rolling_mean,
                       float* rolling_variance, float rolling_momentum, BatchNormState& st, int cmbn_index = 0,
                       bool update_statistics = true);

// In place on `delta` (the delta of the scaled output): accumulates scale_grads and turns delta into the
// delta of the input, for the mode of the last batchnorm_forward.
void batchnorm_backward(float* delta, ChannelShape s, const float* scales, const float* rolling_variance,
                        float* scale_grads, BatchNormState& st);

}  // namespace ds
