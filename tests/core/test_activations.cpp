// Activations (core/nn/activations.h): darknet's values, the cfg name parser, and each derivative
// against finite differences.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "core/nn/activations.h"
#include "core/util/error.h"

using namespace ds;

namespace {

const Activation kAll[] = {Activation::linear, Activation::leaky,    Activation::relu,
                           Activation::logistic, Activation::tanh,   Activation::swish,
                           Activation::mish,   Activation::hard_mish};

float act(Activation a, float x) {
  activate(a, &x, 1);
  return x;
}

CfgSection section_with(const std::string& body) {
  return parse_cfg_text("[net]\nwidth=8\nheight=8\nchannels=3\n[convolutional]\n" + body, "act.cfg").layer(0);
}

}  // namespace

TEST(Activations, DarknetValues) {
  EXPECT_FLOAT_EQ(act(Activation::linear, -1.5f), -1.5f);
  EXPECT_FLOAT_EQ(act(Activation::leaky, -2.f), -0.2f);
  EXPECT_FLOAT_EQ(act(Activation::leaky, 3.f), 3.f);
  EXPECT_FLOAT_EQ(act(Activation::relu, -2.f), 0.f);
  EXPECT_FLOAT_EQ(act(Activation::logistic, 0.f), 0.5f);
  EXPECT_NEAR(act(Activation::tanh, 0.7f), std::tanh(0.7f), 1e-6);
  EXPECT_NEAR(act(Activation::swish, 1.f), 1.f / (1.f + std::exp(-1.f)), 1e-6);
  EXPECT_NEAR(act(Activation::mish, 1.f), 0.8650984f, 1e-6);
  EXPECT_NEAR(act(Activation::mish, -1.f), -0.3034014f, 1e-6);
  EXPECT_FLOAT_EQ(act(Activation::mish, 25.f), 25.f);          // softplus(x) = x above 20
  EXPECT_EQ(act(Activation::mish, -25.f), 0.f);  // softplus = e^x below -20; darknet's float tanh of it is 0
  EXPECT_FLOAT_EQ(act(Activation::hard_mish, -1.f), -0.5f);
  EXPECT_FLOAT_EQ(act(Activation::hard_mish, -3.f), 0.f);
  EXPECT_FLOAT_EQ(act(Activation::hard_mish, 2.f), 2.f);
}

TEST(Activations, ParseNamesAndDefault) {
  for (Activation a : kAll) {
    CfgSection s = section_with(std::string("activation=") + activation_name(a) + "\n");
    EXPECT_EQ(parse_activation(s, "activation", "logistic"), a) << activation_name(a);
  }
  EXPECT_EQ(parse_activation(section_with(""), "activation", "logistic"), Activation::logistic);
}

TEST(Activations, BadNameIsInputErrorWithLocationAndChoices) {
  CfgSection s = section_with("filters=2\nactivation=gelu\n");
  try {
    parse_activation(s, "activation", "logistic");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("act.cfg:7"), std::string::npos) << m;
    EXPECT_NE(m.find("gelu"), std::string::npos) << m;
    EXPECT_NE(m.find("hard_mish"), std::string::npos) << m;
    EXPECT_NE(m.find("not supported"), std::string::npos) << m;
  }
}

// Each derivative (activation_backward with delta = 1) against a central difference of activate(),
// at points away from the kinks of leaky, relu and hard_mish.
TEST(GradcheckActivations, DerivativeMatchesFiniteDifferences) {
  std::vector<float> xs;
  for (float x = -4.05f; x < 4.f; x += 0.1f) xs.push_back(x);
  xs.push_back(21.f);   // mish above the softplus threshold
  xs.push_back(-21.f);  // and below
  const double eps = 1e-3;
  for (Activation a : kAll) {
    std::vector<float> post = xs;
    activate(a, post.data(), post.size());
    std::vector<float> delta(xs.size(), 1.f);
    activation_backward(a, xs.data(), post.data(), delta.data(), xs.size());
    for (size_t i = 0; i < xs.size(); ++i) {
      const double x = xs[i];
      const double numeric = (double(act(a, float(x + eps))) - act(a, float(x - eps))) / (2 * eps);
      EXPECT_NEAR(delta[i], numeric, 2e-3 * std::max(1.0, std::fabs(numeric)))
          << activation_name(a) << " at x=" << x;
    }
  }
}

// normalize_channels_softmax (ASFF's weights): per pixel, the channels become e^x_k / (0.0001 + sum_j e^x_j),
// as darknet's activate_array_normalize_channels_softmax; _maxval subtracts the pixel's max first, so it stays
// finite where the plain one overflows. Without a layout it is a logic error, not a silent element-wise pass.
TEST(Activations, ChannelSoftmaxNormalisesTheChannelsOfEachPixel) {
  const int images = 2, channels = 3;
  const size_t spatial = 5;
  std::vector<float> x(images * channels * spatial);
  for (size_t i = 0; i < x.size(); ++i) x[i] = std::sin(float(i)) * 3;
  std::vector<float> y = x;
  activate(Activation::normalize_channels_softmax, y.data(), y.size(), {channels, spatial});
  for (int b = 0; b < images; ++b)
    for (size_t p = 0; p < spatial; ++p) {
      const size_t p0 = b * channels * spatial + p;
      double sum = 0.0001;
      for (int k = 0; k < channels; ++k) sum += std::exp(double(x[p0 + k * spatial]));
      double total = 0;
      for (int k = 0; k < channels; ++k) {
        EXPECT_NEAR(y[p0 + k * spatial], std::exp(double(x[p0 + k * spatial])) / sum, 1e-6);
        total += y[p0 + k * spatial];
      }
      EXPECT_NEAR(total, 1.0, 1e-4);
    }
  std::vector<float> big = {100.f, 101.f, 99.f};
  activate(Activation::normalize_channels_softmax_maxval, big.data(), 3, {3, 1});
  EXPECT_NEAR(big[1], 1 / (0.0001 + 1 + std::exp(-1.0) + std::exp(-2.0)), 1e-6);
  EXPECT_THROW(activate(Activation::normalize_channels_softmax, y.data(), y.size()), std::logic_error);
}
