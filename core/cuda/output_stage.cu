// The convolution's output stage on the device, forward and backward (output_stage.h: the passes and formulas).
#include "core/cuda/output_stage.h"

#include "core/cuda/activation_math.cuh"
#include "core/cuda/activations.h"
#include "core/cuda/kernels.cuh"

namespace ds::cuda {
namespace {

__device__ size_t element_of(ChannelShape s, int c, size_t j) {  // j-th of channel c's batch·spatial elements
  const size_t b = j / size_t(s.spatial), i = j % size_t(s.spatial);
  return (b * size_t(s.channels) + size_t(c)) * size_t(s.spatial) + i;
}

__device__ int channel_of(ChannelShape s, size_t idx) { return int((idx / size_t(s.spatial)) % size_t(s.channels)); }

void ensure(DeviceBuffer& b, size_t n) {
  if (b.size() != n) b = DeviceBuffer(n);
}

// ---- forward ----

// A channel's count, mean and sum of squared deviations from the mean (Welford's running moments; += merges two
// as Chan et al.'s parallel formula), so that one pass over the channel gives its mean and variance.
struct Moments {
  unsigned n;
  float mean, m2;
  __device__ Moments& operator+=(const Moments& o) {
    if (o.n == 0) return *this;
    if (n == 0) return *this = o;
    const unsigned total = n + o.n;
    const float delta = o.mean - mean, w = float(o.n) / float(total);
    mean += delta * w;
    m2 += o.m2 + delta * delta * float(n) * w;
    n = total;
    return *this;
  }
};

struct MomentsTerm {
  ChannelShape s;
  const float* x;
  __device__ Moments operator()(int c, size_t j) const { return {1u, x[element_of(s, c, j)], 0.f}; }
};

// Launch 1's per-channel outputs from the channel's moments (output_stage.h): the batch mean and variance
// (N − 1), the statistics used (CmBN: pooled with acc_*, weight 1/k, when `pooled`), the CmBN accumulators (when
// `accumulate`) and darknet's rolling update (scal(1 − m) then axpy(m), when update_rolling).
struct StatisticsFinish {
  float *batch_mean, *batch_variance, *mean, *variance;
  float *acc_mean, *acc_variance;
  bool pooled, accumulate;
  float pool_weight;
  float *rolling_mean, *rolling_variance;
  bool update_rolling;
  float rolling_momentum;
  __device__ void operator()(int c, Moments moments) const {
    const float bm = moments.mean, bv = moments.m2 / float(moments.n - 1);
    batch_mean[c] = bm;
    batch_variance[c] = bv;
    float m = bm, v = bv;
    if (pooled) {
      const float w = pool_weight, rest = 1.f - w, d = bm - acc_mean[c];
      v = bv * w + acc_variance[c] * rest + w * rest * d * d;
      m = bm * w + acc_mean[c] * rest;
    }
    mean[c] = m;
    variance[c] = v;
    if (accumulate) acc_mean[c] = m, acc_variance[c] = v;
    if (update_rolling) {
      const float keep = 1.f - rolling_momentum;
      rolling_mean[c] = rolling_mean[c] * keep + rolling_momentum * m;
      rolling_variance[c] = rolling_variance[c] * keep + rolling_momentum * v;
    }
  }
};

// Launch 2 (output_stage.h), one thread per element. Without batch norm (x_norm null) u = x + bias; keep: the
// input, for the backward's variance delta (training); pre: u, when the activation's derivative needs it.
__global__ void normalize_bias_activate_kernel(Activation act, float* x, size_t n, ChannelShape s, const float* mean,
                                               const float* variance, const float* scales, float* x_norm, float* keep,
                                               const float* biases, float* pre) {
  const size_t i = blockIdx.x * size_t(blockDim.x) + threadIdx.x;
  if (i >= n) return;
  const int c = channel_of(s, i);
  float u = x[i];
  if (x_norm) {
    if (keep) keep[i] = u;
    const float normed = (u - mean[c]) / sqrtf(variance[c] + kBatchNormEpsilon);
    x_norm[i] = normed;
    u = normed * scales[c];
  }
  u += biases[c];
  if (pre) pre[i] = u;
  x[i] = activate_one(act, u);
}

// ---- backward ----

// Launch 1's three per-channel sums: Σ delta, Σ delta·x_norm, Σ delta·(x − mean).
struct BackwardSums {
  float delta, delta_x_norm, delta_centered;
  __device__ BackwardSums& operator+=(const BackwardSums& o) {
    delta += o.delta, delta_x_norm += o.delta_x_norm, delta_centered += o.delta_centered;
    return *this;
  }
};

// Launch 1's term for channel c's j-th element: delta times the activation's derivative, written back, and its
// products with x_norm (batch norm) and x − mean (batch norm in training); a null pointer: that sum is not needed.
struct BackwardTerm {
  ChannelShape s;
  Activation a;
  const float *pre, *post;
  float* delta;
  const float *x_norm, *x, *mean;
  __device__ BackwardSums operator()(int c, size_t j) const {
    const size_t e = element_of(s, c, j);
    const float d = a == Activation::linear ? delta[e] : delta[e] * activation_derivative(a, pre[e], post[e]);
    delta[e] = d;
    return {d, x_norm ? d * x_norm[e] : 0.f, x ? d * (x[e] - mean[c]) : 0.f};
  }
};

// Launch 1's per-channel results from the sums.
struct BackwardFinish {
  float *bias_grads, *scale_grads;
  const float *scales, *variance;
  float *mean_delta, *variance_delta;  // training only
  __device__ void operator()(int c, BackwardSums sum) const {
    bias_grads[c] += sum.delta;
    if (!scale_grads) return;
    scale_grads[c] += sum.delta_x_norm;
    if (!mean_delta) return;
    mean_delta[c] = scales[c] * sum.delta * (-1.f / sqrtf(variance[c] + kBatchNormEpsilon));
    variance_delta[c] = scales[c] * sum.delta_centered * (-.5f * powf(variance[c] + kBatchNormEpsilon, -1.5f));
  }
};

ChannelLayout layout_of(ChannelShape s) { return {s.channels, size_t(s.spatial)}; }

}  // namespace

void output_stage_forward(Activation a, float* data, ChannelShape s, const float* biases, float* pre_act,
                          const BatchNorm* bn) {
  const size_t n = s.size(), channels = size_t(s.channels);
  if (n == 0) return;
  const bool channel_wise = is_channel_wise(a);
  const float *mean = nullptr, *variance = nullptr, *scales = nullptr;
  float *x_norm = nullptr, *keep = nullptr;
  if (bn) {
    BatchNormDeviceState& st = bn->st;
    st.train = bn->train;
    ensure(st.x_norm, n);
    x_norm = st.x_norm.data();
    scales = bn->scales;
    mean = bn->rolling_mean, variance = bn->rolling_variance;
    if (bn->train) {
      for (DeviceBuffer* b : {&st.batch_mean, &st.batch_variance, &st.mean, &st.variance}) ensure(*b, channels);
      ensure(st.x, n);
      const bool cmbn = bn->cmbn_index > 0;
      if (cmbn) {
        ensure(st.acc_mean, channels);
        ensure(st.acc_variance, channels);
      }
      const StatisticsFinish finish{st.batch_mean.data(), st.batch_variance.data(), st.mean.data(),
                                    st.variance.data(), cmbn ? st.acc_mean.data() : nullptr,
                                    cmbn ? st.acc_variance.data() : nullptr, cmbn && bn->cmbn_index > 1 && st.have_acc,
                                    cmbn && bn->update_statistics, 1.f / float(cmbn ? bn->cmbn_index : 1),
                                    bn->rolling_mean, bn->rolling_variance, bn->update_statistics,
                                    bn->rolling_momentum};
      block_sums<Moments>(s.channels, size_t(s.batch) * size_t(s.spatial), MomentsTerm{s, data}, finish);
      if (finish.accumulate) st.have_acc = true;
      mean = st.mean.data(), variance = st.variance.data();
      keep = st.x.data();
    }
  }
  normalize_bias_activate_kernel<<<blocks_for(n), kThreadsPerBlock>>>(channel_wise ? Activation::linear : a, data, n, s,
                                                                      mean, variance, scales, x_norm, keep, biases,
                                                                      pre_act);
  DS_CUDA_CHECK_LAUNCH();
  if (channel_wise) cuda::activate(a, data, n, layout_of(s));
}

void output_stage_backward(Activation a, const float* pre, const float* post, float* delta, ChannelShape s,
                           float* bias_grads, const BatchNorm* bn) {
  if (s.size() == 0) return;
  if (is_channel_wise(a)) {
    cuda::activation_backward(a, pre, post, delta, s.size(), layout_of(s));
    a = Activation::linear;
  }
  const bool train = bn && bn->st.train;
  float *md = nullptr, *vd = nullptr;
  if (train) {
    BatchNormDeviceState& st = bn->st;
    ensure(st.mean_delta, size_t(s.channels));
    ensure(st.variance_delta, size_t(s.channels));
    md = st.mean_delta.data(), vd = st.variance_delta.data();
  }
  BackwardTerm term{s, a, pre, post, delta, bn ? bn->st.x_norm.data() : nullptr, train ? bn->st.x.data() : nullptr,
                    train ? bn->st.mean.data() : nullptr};
  BackwardFinish finish{bias_grads, bn ? bn->scale_grads : nullptr, bn ? bn->scales : nullptr,
                        train ? bn->st.variance.data() : nullptr, md, vd};
  block_sums<BackwardSums>(s.channels, size_t(s.batch) * size_t(s.spatial), term, finish);
  if (!bn) return;
  const float* scales = bn->scales;
  if (!train) {
    const float* rolling_variance = bn->rolling_variance;
    elementwise(s.size(), [=] __device__(size_t i) {
      const int c = channel_of(s, i);
      delta[i] = delta[i] * scales[c] / sqrtf(rolling_variance[c] + kBatchNormEpsilon);
    });
    return;
  }
  // normalize_delta_cpu (darknet's N, and epsilon outside the root here).
  const float *x = bn->st.x.data(), *mean = bn->st.mean.data(), *var = bn->st.variance.data();
  const int count = s.batch * s.spatial;
  elementwise(s.size(), [=] __device__(size_t i) {
    const int c = channel_of(s, i);
    const float inv_std = 1.f / (sqrtf(var[c]) + kBatchNormEpsilon);
    delta[i] = delta[i] * scales[c] * inv_std + vd[c] * 2.f * (x[i] - mean[c]) / float(count) + md[c] / float(count);
  });
}

}  // namespace ds::cuda
