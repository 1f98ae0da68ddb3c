// Batch normalisation helpers (see batchnorm.h); each function names the darknet function it reproduces,
// including where darknet computes in double (C's sqrt/pow on float arguments).
#include "core/nn/batchnorm.h"

#include <algorithm>
#include <cmath>

namespace ds {
namespace {

size_t at(ChannelShape s, int b, int c) { return (size_t(b) * s.channels + c) * s.spatial; }

}  // namespace

void channel_mean(const float* x, ChannelShape s, float* mean) {
  const float scale = float(1. / (double(s.batch) * s.spatial));
  for (int c = 0; c < s.channels; ++c) {
    float sum = 0;
    for (int b = 0; b < s.batch; ++b) {
      const float* p = x + at(s, b, c);
      for (int i = 0; i < s.spatial; ++i) sum += p[i];
    }
    mean[c] = sum * scale;
  }
}

void channel_variance(const float* x, const float* mean, ChannelShape s, float* variance) {
  const float scale = float(1. / (double(s.batch) * s.spatial - 1));
  for (int c = 0; c < s.channels; ++c) {
    float sum = 0;
    for (int b = 0; b < s.batch; ++b) {
      const float* p = x + at(s, b, c);
      for (int i = 0; i < s.spatial; ++i) {
        const float d = p[i] - mean[c];
        sum = float(double(sum) + double(d) * d);  // darknet: variance[i] += pow(x - mean, 2)
      }
    }
    variance[c] = sum * scale;
  }
}

void normalize(float* x, const float* mean, const float* variance, ChannelShape s) {
  for (int b = 0; b < s.batch; ++b)
    for (int c = 0; c < s.channels; ++c) {
      const double denom = std::sqrt(double(variance[c] + kBatchNormEpsilon));  // AlexeyAB: sqrt(var + eps)
      float* p = x + at(s, b, c);
      for (int i = 0; i < s.spatial; ++i) p[i] = float(double(p[i] - mean[c]) / denom);
    }
}

void scale_channels(float* x, const float* scales, ChannelShape s) {
  for (int b = 0; b < s.batch; ++b)
    for (int c = 0; c < s.channels; ++c) {
      float* p = x + at(s, b, c);
      for (int i = 0; i < s.spatial; ++i) p[i] *= scales[c];
    }
}

void add_channel_bias(float* x, const float* biases, ChannelShape s) {
  for (int b = 0; b < s.batch; ++b)
    for (int c = 0; c < s.channels; ++c) {
      float* p = x + at(s, b, c);
      for (int i = 0; i < s.spatial; ++i) p[i] += biases[c];
    }
}

void backward_channel_bias(float* bias_grads, const float* delta, ChannelShape s) {
  for (int b = 0; b < s.batch; ++b)
    for (int c = 0; c < s.channels; ++c) {
      const float* p = delta + at(s, b, c);
      float sum = 0;  // darknet's sum_array per image and channel
      for (int i = 0; i < s.spatial; ++i) sum += p[i];
      bias_grads[c] += sum;
    }
}

void backward_scale(const float* x_norm, const float* delta, ChannelShape s, float* scale_grads) {
  for (int c = 0; c < s.channels; ++c) {
    float sum = 0;
    for (int b = 0; b < s.batch; ++b) {
      const size_t o = at(s, b, c);
      for (int i = 0; i < s.spatial; ++i) sum += delta[o + i] * x_norm[o + i];
    }
    scale_grads[c] += sum;
  }
}

void mean_delta(const float* delta, const float* variance, ChannelShape s, float* out) {
  for (int c = 0; c < s.channels; ++c) {
    float sum = 0;
    for (int b = 0; b < s.batch; ++b) {
      const float* p = delta + at(s, b, c);
      for (int i = 0; i < s.spatial; ++i) sum += p[i];
    }
    out[c] = float(sum * (-1. / std::sqrt(double(variance[c] + kBatchNormEpsilon))));
  }
}

void variance_delta(const float* x, const float* delta, const float* mean, const float* variance, ChannelShape s,
                    float* out) {
  for (int c = 0; c < s.channels; ++c) {
    float sum = 0;
    for (int b = 0; b < s.batch; ++b) {
      const size_t o = at(s, b, c);
      for (int i = 0; i < s.spatial; ++i) sum += delta[o + i] * (x[o + i] - mean[c]);
    }
    out[c] = float(sum * (-.5 * std::pow(double(variance[c] + kBatchNormEpsilon), -1.5)));
  }
}

void normalize_delta(const float* x, const float* mean, const float* variance, const float* mean_delta,
                     const float* variance_delta, ChannelShape s, float* delta) {
  const int n = s.batch * s.spatial;  // darknet divides by N here although the variance used N - 1
  for (int b = 0; b < s.batch; ++b)
    for (int c = 0; c < s.channels; ++c) {
      // darknet's placement of epsilon here is outside the square root (unlike the forward pass).
      const double inv_std = 1. / (std::sqrt(double(variance[c])) + double(kBatchNormEpsilon));
      const float mean_term = mean_delta[c] / float(n);
      const size_t o = at(s, b, c);
      for (int i = 0; i < s.spatial; ++i)
        delta[o + i] = float(delta[o + i] * inv_std + variance_delta[c] * 2. * double(x[o + i] - mean[c]) / n +
                             mean_term);
    }
}

void cmbn_accumulate(int k, int channels, BatchNormState& st) {
  const size_t n = size_t(channels);
  if (k <= 1 || st.acc_mean.size() != n || st.acc_variance.size() != n) {  // the first mini-batch of the batch
    st.mean = st.batch_mean;
    st.variance = st.batch_variance;
    return;
  }
  const float a = 1.f / float(k), b = 1.f - a;
  st.mean.resize(n);
  st.variance.resize(n);
  for (size_t c = 0; c < n; ++c) {
    const float d = st.batch_mean[c] - st.acc_mean[c];
    st.variance[c] = st.batch_variance[c] * a + st.acc_variance[c] * b + a * b * d * d;
    st.mean[c] = st.batch_mean[c] * a + st.acc_mean[c] * b;
  }
}

void batchnorm_forward(float* data, ChannelShape s, bool train, const float* scales, float* rolling_mean,
                       float* rolling_variance, float rolling_momentum, BatchNormState& st, int cmbn_index,
                       bool update_statistics) {
  const size_t n = s.size();
  st.train = train;
  st.x_norm.resize(n);
  if (train) {
    st.batch_mean.resize(size_t(s.channels));
    st.batch_variance.resize(size_t(s.channels));
    channel_mean(data, s, st.batch_mean.data());
    channel_variance(data, st.batch_mean.data(), s, st.batch_variance.data());
    if (cmbn_index > 0) {
      cmbn_accumulate(cmbn_index, s.channels, st);
      if (update_statistics) st.acc_mean = st.mean, st.acc_variance = st.variance;
    } else {
      st.mean = st.batch_mean;
      st.variance = st.batch_variance;
    }
    if (update_statistics)
      for (int c = 0; c < s.channels; ++c) {  // darknet: scal_cpu(.99) then axpy_cpu(.01)
        rolling_mean[c] = rolling_mean[c] * (1.f - rolling_momentum) + rolling_momentum * st.mean[c];
        rolling_variance[c] = rolling_variance[c] * (1.f - rolling_momentum) + rolling_momentum * st.variance[c];
      }
    st.x.assign(data, data + n);
    normalize(data, st.mean.data(), st.variance.data(), s);
  } else {
    normalize(data, rolling_mean, rolling_variance, s);
  }
  std::copy(data, data + n, st.x_norm.begin());
  scale_channels(data, scales, s);
}

void batchnorm_backward(float* delta, ChannelShape s, const float* scales, const float* rolling_variance,
                        float* scale_grads, BatchNormState& st) {
  backward_scale(st.x_norm.data(), delta, s, scale_grads);
  scale_channels(delta, scales, s);
  if (!st.train) {
    for (int b = 0; b < s.batch; ++b)
      for (int c = 0; c < s.channels; ++c) {
        const double denom = std::sqrt(double(rolling_variance[c] + kBatchNormEpsilon));
        float* p = delta + at(s, b, c);
        for (int i = 0; i < s.spatial; ++i) p[i] = float(p[i] / denom);
      }
    return;
  }
  st.mean_delta.resize(size_t(s.channels));
  st.variance_delta.resize(size_t(s.channels));
  mean_delta(delta, st.variance.data(), s, st.mean_delta.data());
  variance_delta(st.x.data(), delta, st.mean.data(), st.variance.data(), s, st.variance_delta.data());
  normalize_delta(st.x.data(), st.mean.data(), st.variance.data(), st.mean_delta.data(), st.variance_delta.data(), s,
                  delta);
}

}  // namespace ds
