// CmBN ([convolutional] batch_normalize=2, core/nn/batchnorm.h): plain BN with one mini-batch per batch, the
// accumulated statistics of k mini-batches against a hand computation, darknet's backward at those statistics,
// and a finite-difference check where darknet's backward is the exact gradient (k = 1).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/layers/convolutional.h"
#include "core/nn/gradcheck.h"

using namespace ds;

namespace {

LayerHarness conv(const std::string& body, Shape in, int batch, uint64_t seed = 1) {
  return LayerHarness::build("[convolutional]\n" + body, in, {}, batch, seed);
}

ConvolutionalLayer& as_conv(LayerHarness& h) { return dynamic_cast<ConvolutionalLayer&>(*h.layer); }

// The output delta backward() starts from (it changes h.out_delta in place).
std::vector<float> output_delta(size_t n) {
  Rng rng(99);
  std::vector<float> d(n);
  for (float& v : d) v = rng.uniform(-1.f, 1.f);
  return d;
}

// Runs backward from output_delta() and returns the input delta.
std::vector<float> backward(LayerHarness& h) {
  const std::vector<float> d = output_delta(h.out_delta.size());
  std::copy(d.begin(), d.end(), h.out_delta.data());
  Buffer in_delta(h.in[0].size(), 0.f);
  Shape os = h.layer->out_shape;
  os.n = h.batch;
  BackwardArgs a;
  a.in = h.input_views();
  a.in_delta = {in_delta.view(a.in[0].shape)};
  a.out = h.out.view(os);
  a.out_delta = h.out_delta.view(os);
  h.grads.fill(0.f);
  h.layer->backward(a);
  return std::vector<float>(in_delta.data(), in_delta.data() + in_delta.size());
}

void refill_input(LayerHarness& h, uint64_t seed, float scale, float shift) {
  Rng rng(seed);
  for (size_t i = 0; i < h.in[0].size(); ++i) h.in[0][i] = rng.uniform(-1.f, 1.f) * scale + shift;
}

}  // namespace

// With subdivisions=1 every mini-batch is the first of its batch: CmBN is plain batch norm, bit for bit
// (outputs, rolling statistics, input deltas and parameter gradients), over two batches.
TEST(Cmbn, OneSubdivisionIsPlainBatchNorm) {
  const std::string body = "filters=3\nsize=3\npad=1\nactivation=leaky\nbatch_normalize=";
  LayerHarness bn = conv(body + "1\n", {1, 2, 5, 4}, 3), cmbn = conv(body + "2\n", {1, 2, 5, 4}, 3);
  ASSERT_TRUE(as_conv(cmbn).options().cmbn);
  ASSERT_FALSE(as_conv(bn).options().cmbn);
  for (int batch = 0; batch < 2; ++batch) {
    refill_input(bn, 10 + batch, 1.f + batch, 0.3f * batch);
    refill_input(cmbn, 10 + batch, 1.f + batch, 0.3f * batch);
    bn.forward(true);
    cmbn.forward(true);
    EXPECT_EQ(0, std::memcmp(bn.out.data(), cmbn.out.data(), bn.out.size() * sizeof(float))) << "batch " << batch;
    EXPECT_EQ(0, std::memcmp(bn.params.data(), cmbn.params.data(), bn.params.size() * sizeof(float)));
    std::vector<float> d_bn = backward(bn), d_cmbn = backward(cmbn);
    EXPECT_EQ(d_bn, d_cmbn);
    EXPECT_EQ(0, std::memcmp(bn.grads.data(), cmbn.grads.data(), bn.grads.size() * sizeof(float)));
  }
}

// Three mini-batches of one batch with different means: the k-th normalises with the statistics of mini-batches
// 1..k, computed here as darknet's fast_v_cbn_gpu does (averages of the mean and of the raw second moment
// var_i + mean_i², variance = E[x²] − mean²), in double; the rolling statistics take them with momentum 0.01
// on every mini-batch. Then darknet's backward: plain BN's formulas at the accumulated statistics.
TEST(Cmbn, AccumulatesStatisticsOverTheMiniBatchesOfABatch) {
  const int B = 2, P = 12, N = B * P;
  LayerHarness h = conv("filters=1\nsize=1\nactivation=linear\nbatch_normalize=2\n", {1, 1, 3, 4}, B);
  ConvolutionalLayer& l = as_conv(h);
  const double w = l.weights()[0], scale = l.scales()[0], bias = l.biases()[0];
  double rolling_mean = l.rolling_mean()[0], rolling_var = l.rolling_variance()[0];
  double sum_mean = 0, sum_e2 = 0;
  for (int k = 1; k <= 3; ++k) {
    refill_input(h, 20 + k, 0.5f * k, 0.7f * k - 1.f);
    h.subdivision = k - 1;
    h.forward(true);
    std::vector<double> z(N);
    double m = 0, v = 0;
    for (int i = 0; i < N; ++i) m += z[size_t(i)] = w * h.in[0][size_t(i)];
    m /= N;
    for (double x : z) v += (x - m) * (x - m);
    v /= N - 1;
    sum_mean += m;
    sum_e2 += v + m * m;
    const double mean_acc = sum_mean / k, var_acc = sum_e2 / k - mean_acc * mean_acc;
    for (int i = 0; i < N; ++i)
      EXPECT_NEAR(h.out[size_t(i)], scale * (z[size_t(i)] - mean_acc) / std::sqrt(var_acc + 1e-5) + bias, 2e-5)
          << "k " << k << " element " << i;
    rolling_mean = 0.99 * rolling_mean + 0.01 * mean_acc;
    rolling_var = 0.99 * rolling_var + 0.01 * var_acc;
    EXPECT_NEAR(l.rolling_mean()[0], rolling_mean, 1e-6) << "k " << k;
    EXPECT_NEAR(l.rolling_variance()[0], rolling_var, 1e-6) << "k " << k;
    if (k > 1) {
      EXPECT_GT(std::fabs(var_acc - v), 0.01) << "the accumulated statistics differ from the mini-batch's";
    }

    std::vector<float> dx = backward(h);
    const std::vector<float> delta = output_delta(h.out_delta.size());
    double sum_g = 0, sum_gz = 0;
    std::vector<double> g(N);
    for (int i = 0; i < N; ++i) {
      g[size_t(i)] = scale * delta[size_t(i)];  // linear activation: the delta reaches batch norm unchanged
      sum_g += g[size_t(i)];
      sum_gz += g[size_t(i)] * (z[size_t(i)] - mean_acc);
    }
    const double mean_delta = -sum_g / std::sqrt(var_acc + 1e-5);
    const double var_delta = -0.5 * sum_gz * std::pow(var_acc + 1e-5, -1.5);
    for (int i = 0; i < N; ++i) {
      const double dz = g[size_t(i)] / (std::sqrt(var_acc) + 1e-5) + var_delta * 2 * (z[size_t(i)] - mean_acc) / N +
                        mean_delta / N;
      EXPECT_NEAR(dx[size_t(i)], w * dz, 1e-4 * (1 + std::fabs(w * dz))) << "k " << k << " element " << i;
    }
  }
}

// darknet's backward is the exact gradient of CmBN on the first mini-batch of a batch; the accumulators left
// by an earlier batch's later mini-batches must not leak into it.
TEST(GradcheckCmbn, FirstMiniBatchAfterAnEarlierBatch) {
  LayerHarness h = conv("filters=4\nsize=3\npad=1\nbatch_normalize=2\nactivation=mish\n", {1, 3, 7, 5}, 3);
  const std::vector<float> saved(h.in[0].data(), h.in[0].data() + h.in[0].size());
  for (int sub = 0; sub < 3; ++sub) {  // an earlier batch of 3 mini-batches, with other inputs
    refill_input(h, 40 + sub, 2.f, 0.5f * sub);
    h.subdivision = sub;
    h.forward(true);
  }
  std::copy(saved.begin(), saved.end(), h.in[0].data());
  h.subdivision = 0;
  GradcheckOptions opt;
  opt.eps = 1e-2f;
  opt.floor = 1.0;
  GradcheckResult r = gradcheck(h, opt);
  EXPECT_GT(r.checked, 0);
  // The same tolerance as plain batch norm's check (GradcheckConvolutional.BatchNormTrainMode): darknet's BN
  // backward divides by N where its forward's variance divides by N - 1.
  EXPECT_TRUE(r.ok(0.1)) << "max rel " << r.max_rel_error << " at " << r.worst;
}
