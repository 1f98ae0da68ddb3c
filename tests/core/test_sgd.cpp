// Learning-rate policies (darknet's get_current_rate) and the SGD step (update_convolutional_layer).
#include <gtest/gtest.h>

#include <cmath>

#include "core/nn/sgd.h"

using namespace ds;

namespace {

NetOptions opts(const std::string& extra) {
  return parse_net_options(
      parse_cfg_text("[net]\nwidth=8\nheight=8\nchannels=3\nlearning_rate=0.01\nmax_batches=1000\n" + extra +
                         "[maxpool]\n",
                     "lr.cfg")
          .net());
}

}  // namespace

TEST(LearningRate, BurnInThenConstant) {
  NetOptions n = opts("burn_in=100\npower=4\n");
  EXPECT_FLOAT_EQ(learning_rate_at(n, 50), 0.01f * std::pow(0.5f, 4.f));
  EXPECT_FLOAT_EQ(learning_rate_at(n, 100), 0.01f);
  EXPECT_FLOAT_EQ(learning_rate_at(n, 999), 0.01f);
}

TEST(LearningRate, Steps) {
  NetOptions n = opts("policy=steps\nsteps=400,450\nscales=.1,.1\n");
  EXPECT_FLOAT_EQ(learning_rate_at(n, 399), 0.01f);
  EXPECT_FLOAT_EQ(learning_rate_at(n, 400), 0.001f);
  EXPECT_NEAR(learning_rate_at(n, 450), 0.0001f, 1e-9);
}

TEST(LearningRate, StepExpPolySigmoid) {
  EXPECT_FLOAT_EQ(learning_rate_at(opts("policy=step\nstep=10\nscale=0.5\n"), 25), 0.01f * 0.25f);
  EXPECT_FLOAT_EQ(learning_rate_at(opts("policy=exp\ngamma=0.99\n"), 10), 0.01f * std::pow(0.99f, 10.f));
  EXPECT_FLOAT_EQ(learning_rate_at(opts("policy=poly\npower=2\n"), 500), 0.01f * 0.25f);
  EXPECT_NEAR(learning_rate_at(opts("policy=sigmoid\ngamma=0.1\nstep=100\n"), 100), 0.005f, 1e-7);
}

TEST(LearningRate, SgdrCosineWithRestarts) {
  NetOptions n = opts("policy=sgdr\nsgdr_cycle=100\nsgdr_mult=2\nlearning_rate_min=0.001\n");
  EXPECT_NEAR(learning_rate_at(n, 0), 0.01f, 1e-6);
  EXPECT_NEAR(learning_rate_at(n, 50), 0.001f + 0.5f * 0.009f, 1e-6);
  EXPECT_NEAR(learning_rate_at(n, 100), 0.001f, 1e-6);  // end of the first cycle
  EXPECT_NEAR(learning_rate_at(n, 101), 0.001f + 0.5f * 0.009f * (1 + std::cos(3.14159265 / 200)), 1e-6);
  EXPECT_NEAR(learning_rate_at(n, 200), 0.001f + 0.5f * 0.009f, 1e-6);  // middle of the 200-long second cycle
}

TEST(Sgd, MatchesDarknetUpdateOnAConvolution) {
  Cfg cfg = parse_cfg_text(
      "[net]\nbatch=4\nsubdivisions=2\nwidth=4\nheight=4\nchannels=1\nmomentum=0.9\ndecay=0.0005\n"
      "[convolutional]\nfilters=1\nsize=1\nbatch_normalize=1\nlearning_rate=0.5\nactivation=linear\n",
      "sgd.cfg");
  Network net(cfg);
  // blocks: biases, scales, rolling_mean, rolling_variance, weights (one each)
  ASSERT_EQ(net.num_params(), 5u);
  float* w = net.params();
  float* g = net.grads();
  for (int i = 0; i < 5; ++i) {
    w[i] = 1.f + i;
    g[i] = 0.5f;
  }
  sgd_step(net, 0.1f);
  const float lr = 0.1f * 0.5f / 4.f;  // rate * layer scale / full batch
  EXPECT_FLOAT_EQ(w[0], 1.f + lr * 0.5f);           // bias: no decay
  EXPECT_FLOAT_EQ(g[0], 0.45f);                     // momentum
  EXPECT_FLOAT_EQ(w[1], 2.f + lr * 0.5f);           // scale
  EXPECT_FLOAT_EQ(w[2], 3.f);                       // rolling mean untouched
  EXPECT_FLOAT_EQ(g[2], 0.5f);
  EXPECT_FLOAT_EQ(w[3], 4.f);                       // rolling variance untouched
  const float gw = 0.5f - 0.0005f * 4.f * 5.f;      // decay * batch * w
  EXPECT_FLOAT_EQ(w[4], 5.f + lr * gw);
  EXPECT_FLOAT_EQ(g[4], 0.9f * gw);
}
