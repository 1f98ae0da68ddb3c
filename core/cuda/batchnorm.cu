// CUDA batch normalisation kernels (formulas and darknet's functions: core/nn/batchnorm.h). Per-channel sums are
// one block per channel (block_sums: a tree in shared memory, so they differ from the CPU's sequential float sums
// by rounding only); the rest is one thread per element.
#include "core/cuda/batchnorm.h"
#include "core/cuda/kernels.cuh"

namespace ds::cuda {
namespace {

__device__ size_t element_of(ChannelShape s, int c, size_t j) {  // j-th of channel c's batch·spatial elements
  const size_t b = j / size_t(s.spatial), i = j % size_t(s.spatial);
  return (b * size_t(s.channels) + size_t(c)) * size_t(s.spatial) + i;
}

__device__ int channel_of(ChannelShape s, size_t idx) { return int((idx / size_t(s.spatial)) % size_t(s.channels)); }

// A channel's j-th term of reduce_channels (a functor, so that the kernel sees no nested extended lambda).
template <typename Term>
struct ChannelTerm {
  ChannelShape s;
  Term term;
  __device__ float operator()(int c, size_t j) const { return term(c, element_of(s, c, j)); }
};

// out[c] = finish(c, Σ_j term(c, element j of channel c)), one block per channel.
template <typename Term, typename Finish>
void reduce_channels(ChannelShape s, Term term, Finish finish) {
  block_sums(s.channels, size_t(s.batch) * size_t(s.spatial), ChannelTerm<Term>{s, term}, finish);
}

void ensure(DeviceBuffer& b, size_t n) {
  if (b.size() != n) b = DeviceBuffer(n);
}

void copy(DeviceBuffer& dst, const float* src, size_t n) {
  ensure(dst, n);
  DS_CUDA_CHECK(cudaMemcpy(dst.data(), src, n * sizeof(float), cudaMemcpyDeviceToDevice));
}

// mean_cpu, variance_cpu (N - 1).
void device_mean(const float* x, ChannelShape s, float* mean) {
  const float scale = float(1. / (double(s.batch) * s.spatial));
  reduce_channels(s, [=] __device__(int, size_t e) { return x[e]; },
                  [=] __device__(int c, float sum) { mean[c] = sum * scale; });
}

void device_variance(const float* x, const float* mean, ChannelShape s, float* variance) {
  const float scale = float(1. / (double(s.batch) * s.spatial - 1));
  reduce_channels(s, [=] __device__(int c, size_t e) { const float d = x[e] - mean[c]; return d * d; },
                  [=] __device__(int c, float sum) { variance[c] = sum * scale; });
}

// normalize_cpu and scale_bias in one pass: x_norm = (x − mean)/sqrt(var + ε) (kept for backward), x = scale·x_norm,
// and the input itself into `keep` when given (training keeps it for the variance delta).
void device_normalize_and_scale(float* x, float* keep, float* x_norm, const float* mean, const float* variance,
                                const float* scales, ChannelShape s) {
  elementwise(s.size(), [=] __device__(size_t i) {
    const int c = channel_of(s, i);
    const float v = x[i];
    if (keep) keep[i] = v;
    const float normed = (v - mean[c]) / sqrtf(variance[c] + kBatchNormEpsilon);
    x_norm[i] = normed;
    x[i] = normed * scales[c];
  });
}

void device_scale(float* x, const float* scales, ChannelShape s) {
  elementwise(s.size(), [=] __device__(size_t i) { x[i] *= scales[channel_of(s, i)]; });
}

// cmbn_accumulate (batchnorm.h): the statistics of mini-batches 1..k from the k-th's own and the pooled 1..k-1.
void device_cmbn_accumulate(int k, ChannelShape s, BatchNormDeviceState& st) {
  const size_t n = size_t(s.channels);
  if (k <= 1 || !st.have_acc) {
    copy(st.mean, st.batch_mean.data(), n);
    copy(st.variance, st.batch_variance.data(), n);
    return;
  }
  ensure(st.mean, n);
  ensure(st.variance, n);
  const float a = 1.f / float(k), b = 1.f - a;
  const float *bm = st.batch_mean.data(), *bv = st.batch_variance.data();
  const float *am = st.acc_mean.data(), *av = st.acc_variance.data();
  float *m = st.mean.data(), *v = st.variance.data();
  elementwise(n, [=] __device__(size_t c) {
    const float d = bm[c] - am[c];
    v[c] = bv[c] * a + av[c] * b + a * b * d * d;
    m[c] = bm[c] * a + am[c] * b;
  });
}

}  // namespace

void backward_channel_bias(float* bias_grads, const float* delta, ChannelShape s) {
  reduce_channels(s, [=] __device__(int, size_t e) { return delta[e]; },
                  [=] __device__(int c, float sum) { bias_grads[c] += sum; });
}

void batchnorm_forward(float* data, ChannelShape s, bool train, const float* scales, float* rolling_mean,
                       float* rolling_variance, float rolling_momentum, BatchNormDeviceState& st, int cmbn_index,
                       bool update_statistics) {
  const size_t n = s.size(), channels = size_t(s.channels);
  st.train = train;
  if (train) {
    ensure(st.batch_mean, channels);
    ensure(st.batch_variance, channels);
    device_mean(data, s, st.batch_mean.data());
    device_variance(data, st.batch_mean.data(), s, st.batch_variance.data());
    device_cmbn_accumulate(cmbn_index > 0 ? cmbn_index : 1, s, st);
    if (cmbn_index > 0 && update_statistics) {
      copy(st.acc_mean, st.mean.data(), channels);
      copy(st.acc_variance, st.variance.data(), channels);
      st.have_acc = true;
    }
    if (update_statistics) {  // darknet: scal(.99) then axpy(.01)
      const float *m = st.mean.data(), *v = st.variance.data();
      const float keep = 1.f - rolling_momentum;
      elementwise(channels, [=] __device__(size_t c) {
        rolling_mean[c] = rolling_mean[c] * keep + rolling_momentum * m[c];
        rolling_variance[c] = rolling_variance[c] * keep + rolling_momentum * v[c];
      });
    }
  }
  ensure(st.x_norm, n);
  if (train) {
    ensure(st.x, n);
    device_normalize_and_scale(data, st.x.data(), st.x_norm.data(), st.mean.data(), st.variance.data(), scales, s);
  } else {
    device_normalize_and_scale(data, nullptr, st.x_norm.data(), rolling_mean, rolling_variance, scales, s);
  }
}

void batchnorm_backward(float* delta, ChannelShape s, const float* scales, const float* rolling_variance,
                        float* scale_grads, BatchNormDeviceState& st) {
  const float* x_norm = st.x_norm.data();
  reduce_channels(s, [=] __device__(int, size_t e) { return delta[e] * x_norm[e]; },
                  [=] __device__(int c, float sum) { scale_grads[c] += sum; });
  device_scale(delta, scales, s);
  if (!st.train) {
    elementwise(s.size(), [=] __device__(size_t i) {
      delta[i] /= sqrtf(rolling_variance[channel_of(s, i)] + kBatchNormEpsilon);
    });
    return;
  }
  const size_t channels = size_t(s.channels);
  ensure(st.mean_delta, channels);
  ensure(st.variance_delta, channels);
  const float *x = st.x.data(), *mean = st.mean.data(), *var = st.variance.data();
  float *md = st.mean_delta.data(), *vd = st.variance_delta.data();
  // mean_delta_cpu, variance_delta_cpu, normalize_delta_cpu (with darknet's N, and epsilon outside the root).
  reduce_channels(s, [=] __device__(int, size_t e) { return delta[e]; },
                  [=] __device__(int c, float sum) { md[c] = sum * (-1.f / sqrtf(var[c] + kBatchNormEpsilon)); });
  reduce_channels(s, [=] __device__(int c, size_t e) { return delta[e] * (x[e] - mean[c]); },
                  [=] __device__(int c, float sum) { vd[c] = sum * (-.5f * powf(var[c] + kBatchNormEpsilon, -1.5f)); });
  const int count = s.batch * s.spatial;
  elementwise(s.size(), [=] __device__(size_t i) {
    const int c = channel_of(s, i);
    const float inv_std = 1.f / (sqrtf(var[c]) + kBatchNormEpsilon);
    delta[i] = delta[i] * inv_std + vd[c] * 2.f * (x[i] - mean[c]) / float(count) + md[c] / float(count);
  });
}

}  // namespace ds::cuda
