// [convolutional] (core/layers/convolutional.h): option parsing and errors, output shapes, forward against
// a direct convolution, batch norm in both modes, gradients against finite differences, and darknet's
// own outputs for the convolutions of the tinycsp golden network.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <vector>

#include "core/layers/convolutional.h"
#include "core/nn/gradcheck.h"
#include "core/nn/network.h"
#include "core/nn/weights_io.h"
#include "core/util/error.h"
#include "core/util/npy.h"

using namespace ds;

namespace {

// Builds one [convolutional] from `body` on a per-image input of shape `in`.
LayerHarness conv(const std::string& body, Shape in, int batch = 1, uint64_t seed = 1) {
  return LayerHarness::build("[convolutional]\n" + body, in, {}, batch, seed);
}

ConvolutionalLayer& as_conv(LayerHarness& h) { return dynamic_cast<ConvolutionalLayer&>(*h.layer); }

// The InputError message of building `body`, or "" when it builds.
std::string build_error(const std::string& body, Shape in = {1, 4, 8, 8}) {
  try {
    conv(body, in);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

// y[b][f][oy][ox] = sum over the group's channels and the kernel of w * x (zero padding), + bias.
std::vector<float> direct_convolution(LayerHarness& h) {
  ConvolutionalLayer& l = as_conv(h);
  const ConvolutionalOptions& o = l.options();
  const Shape in = l.input_shape(), out = l.out_shape;
  const int cg = in.c / o.groups, fg = o.filters / o.groups;
  std::vector<float> y(size_t(h.batch) * out.chw());
  for (int b = 0; b < h.batch; ++b)
    for (int f = 0; f < o.filters; ++f)
      for (int oy = 0; oy < out.h; ++oy)
        for (int ox = 0; ox < out.w; ++ox) {
          double sum = l.biases()[f];
          const int g = f / fg;
          for (int c = 0; c < cg; ++c)
            for (int ky = 0; ky < o.size; ++ky)
              for (int kx = 0; kx < o.size; ++kx) {
                const int iy = oy * o.stride_y - o.padding * o.dilation + ky * o.dilation;
                const int ix = ox * o.stride_x - o.padding * o.dilation + kx * o.dilation;
                if (iy < 0 || iy >= in.h || ix < 0 || ix >= in.w) continue;
                const float x = h.in[0][((size_t(b) * in.c + g * cg + c) * in.h + iy) * in.w + ix];
                sum += double(l.weights()[((size_t(f) * cg + c) * o.size + ky) * o.size + kx]) * x;
              }
          y[((size_t(b) * out.c + f) * out.h + oy) * out.w + ox] = float(sum);
        }
  return y;
}

struct Check {
  double tol = 5e-3;
  float eps = 1e-2f;     // the layers are linear in most inputs: a large step has no truncation error
  double floor = 1e-2;
  bool train = true;
  uint64_t seed = 1;
};

void expect_gradcheck(const std::string& body, Shape in, int batch, const Check& c = {}) {
  LayerHarness h = conv(body, in, batch, c.seed);
  GradcheckOptions opt;
  opt.train = c.train;
  opt.eps = c.eps;
  opt.floor = c.floor;
  GradcheckResult r = gradcheck(h, opt);
  EXPECT_GT(r.checked, 0);
  EXPECT_TRUE(r.ok(c.tol)) << body << "input " << in.str() << " batch " << batch << ": max rel "
                           << r.max_rel_error << " at " << r.worst;
}

}  // namespace

TEST(Convolutional, OutputShapesFollowDarknet) {
  struct Case {
    std::string body;
    Shape in;
    Shape out;
  };
  const Case cases[] = {
      {"filters=5\nsize=3\npad=1\n", {1, 3, 7, 5}, {1, 5, 7, 5}},
      {"filters=4\nsize=3\nstride=2\npad=1\n", {1, 3, 7, 5}, {1, 4, 4, 3}},
      {"filters=4\nsize=3\nstride=2\n", {1, 3, 7, 5}, {1, 4, 3, 2}},                 // no padding
      {"filters=4\nsize=1\npad=1\n", {1, 3, 7, 5}, {1, 4, 7, 5}},                   // pad=1, size 1: padding 0
      {"filters=4\nsize=3\npadding=2\n", {1, 3, 7, 5}, {1, 4, 9, 7}},               // explicit padding
      {"filters=4\nsize=3\npadding=2\npad=1\n", {1, 3, 7, 5}, {1, 4, 7, 5}},        // pad wins: size/2
      {"filters=4\nsize=3\nstride_x=2\nstride_y=1\npad=1\n", {1, 3, 7, 5}, {1, 4, 7, 3}},
      {"filters=4\nsize=3\nstride=2\nstride_y=1\npad=1\n", {1, 3, 7, 5}, {1, 4, 7, 3}},  // stride fills stride_x
      {"filters=4\nsize=3\ndilation=2\npad=1\n", {1, 3, 7, 5}, {1, 4, 7, 5}},
      {"filters=4\nsize=5\nstride=2\ndilation=3\npad=1\n", {1, 3, 11, 9}, {1, 4, 6, 5}},
      {"filters=4\nsize=1\ndilation=4\n", {1, 3, 7, 5}, {1, 4, 7, 5}},  // darknet ignores dilation for 1x1
  };
  for (const Case& c : cases) {
    LayerHarness h = conv(c.body, c.in);
    EXPECT_EQ(h.layer->out_shape, c.out) << c.body << " got " << h.layer->out_shape.str();
  }
}

TEST(Convolutional, ParamBlocksInWeightsOrderAndFlops) {
  LayerHarness plain = conv("filters=6\nsize=3\npad=1\ngroups=3\n", {1, 3, 5, 4});
  auto b = plain.layer->param_blocks();
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].name, "biases");
  EXPECT_EQ(b[0].count, 6u);
  EXPECT_EQ(b[1].name, "weights");
  EXPECT_EQ(b[1].count, 6u * 1 * 3 * 3);
  EXPECT_EQ(b[1].kind, ParamKind::weight);
  EXPECT_DOUBLE_EQ(plain.layer->forward_flops(), 2.0 * 5 * 4 * 6 * 1 * 3 * 3);

  LayerHarness bn = conv("filters=4\nsize=1\nbatch_normalize=1\n", {1, 3, 5, 4});
  b = bn.layer->param_blocks();
  ASSERT_EQ(b.size(), 5u);
  const char* names[] = {"biases", "scales", "rolling_mean", "rolling_variance", "weights"};
  const ParamKind kinds[] = {ParamKind::bias, ParamKind::scale, ParamKind::rolling_mean, ParamKind::rolling_variance,
                             ParamKind::weight};
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(b[size_t(i)].name, names[i]);
    EXPECT_EQ(b[size_t(i)].kind, kinds[i]);
  }
  EXPECT_EQ(b[4].count, 12u);
}

TEST(Convolutional, InitParamsAsDarknet) {
  LayerHarness h = conv("filters=8\nsize=3\nbatch_normalize=1\ngroups=2\n", {1, 4, 6, 6});
  Rng rng(3);
  h.layer->init_params(rng);
  ConvolutionalLayer& l = as_conv(h);
  const float scale = std::sqrt(2.f / (3 * 3 * 4 / 2));
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(l.biases()[i], 0.f);
    EXPECT_EQ(l.scales()[i], 1.f);
    EXPECT_EQ(l.rolling_mean()[i], 0.f);
    EXPECT_EQ(l.rolling_variance()[i], 0.f);
  }
  float lo = 1, hi = -1;
  for (int i = 0; i < 8 * 2 * 9; ++i) {
    lo = std::min(lo, l.weights()[i]);
    hi = std::max(hi, l.weights()[i]);
  }
  EXPECT_GE(lo, -scale);
  EXPECT_LE(hi, scale);
  EXPECT_LT(lo, -0.5f * scale);
  EXPECT_GT(hi, 0.5f * scale);
}

TEST(Convolutional, ErrorsNameFileLineAndKey) {
  std::string e = build_error("filters=2\nactivation=gelu\n");
  EXPECT_NE(e.find("gradcheck.cfg:8"), std::string::npos) << e;
  EXPECT_NE(e.find("activation"), std::string::npos) << e;

  e = build_error("filters=2\nsize=3\ngroups=3\n");  // 4 input channels
  EXPECT_NE(e.find("gradcheck.cfg:9"), std::string::npos) << e;
  EXPECT_NE(e.find("groups"), std::string::npos) << e;
  e = build_error("filters=3\ngroups=2\n");  // 4 channels, 3 filters
  EXPECT_NE(e.find("groups"), std::string::npos) << e;

  e = build_error("filters=2\nxnor=1\n");
  EXPECT_NE(e.find("gradcheck.cfg:8"), std::string::npos) << e;
  EXPECT_NE(e.find("xnor"), std::string::npos) << e;
  EXPECT_NE(e.find("not supported"), std::string::npos) << e;
  for (const char* opt : {"antialiasing=1", "binary=1", "bin_output=1", "sway=1", "rotate=1", "stretch=1",
                          "stretch_sway=1", "flipped=1", "dot=0.5", "share_index=0", "assisted_excitation=1",
                          "coordconv=1", "grad_centr=1", "deform=1", "deformable=1"}) {
    e = build_error(std::string("filters=2\n") + opt + "\n");
    EXPECT_NE(e.find("not supported"), std::string::npos) << opt << ": " << e;
  }
  // Unimplemented options at their darknet defaults are fine.
  EXPECT_EQ(build_error("filters=2\nxnor=0\nantialiasing=0\nshare_index=-1000000000\nstream=3\nangle=15\n"), "");

  EXPECT_EQ(build_error("filters=2\nbatch_normalize=2\n"), "");  // CmBN (test_cmbn.cpp)
  EXPECT_EQ(build_error("filters=2\ncbn=1\n"), "");
  e = build_error("filters=2\nbatch_normalize=3\n");
  EXPECT_NE(e.find("batch_normalize"), std::string::npos) << e;
  EXPECT_NE(e.find("gradcheck.cfg:8"), std::string::npos) << e;

  e = build_error("filters=2\nsize=9\n");  // does not fit 8x8
  EXPECT_NE(e.find("size"), std::string::npos) << e;
  e = build_error("filters=2\nsize=3\ndilation=2\n");  // no padding: darknet's size formula would be wrong
  EXPECT_NE(e.find("dilation"), std::string::npos) << e;
  e = build_error("filters=0\n");
  EXPECT_NE(e.find("filters"), std::string::npos) << e;
}

TEST(Convolutional, ForwardMatchesDirectConvolution) {
  const std::pair<std::string, Shape> cases[] = {
      {"filters=5\nsize=3\npad=1\nactivation=linear\n", {1, 3, 7, 5}},
      {"filters=4\nsize=3\nstride=2\npad=1\nactivation=linear\n", {1, 3, 7, 5}},
      {"filters=4\nsize=3\nstride_x=2\nstride_y=1\npadding=2\nactivation=linear\n", {1, 2, 6, 7}},
      {"filters=3\nsize=1\nactivation=linear\n", {1, 5, 4, 3}},
      {"filters=2\nsize=1\nstride=2\nactivation=linear\n", {1, 5, 5, 4}},
      {"filters=4\nsize=3\npad=1\ngroups=2\nactivation=linear\n", {1, 6, 5, 5}},
      {"filters=6\nsize=3\npad=1\ngroups=6\nactivation=linear\n", {1, 6, 5, 4}},
      {"filters=3\nsize=3\npad=1\ndilation=2\nactivation=linear\n", {1, 2, 7, 6}},
  };
  for (const auto& [body, in] : cases) {
    LayerHarness h = conv(body, in, 2);
    h.forward(true);
    std::vector<float> want = direct_convolution(h);
    ASSERT_EQ(want.size(), h.out.size());
    for (size_t i = 0; i < want.size(); ++i) ASSERT_NEAR(h.out[i], want[i], 1e-5) << body << " at " << i;
  }
}

// One filter, one channel, 1x1 weight 2, scale 3, bias 0.5, rolling mean 1, rolling variance 4:
// inference gives y = 3 (2x - 1) / sqrt(4 + 1e-5) + 0.5 and leaves the rolling statistics alone.
TEST(Convolutional, InferenceBatchNormUsesRollingStatistics) {
  LayerHarness h = conv("filters=1\nsize=1\nbatch_normalize=1\nactivation=linear\n", {1, 1, 2, 2}, 1);
  ConvolutionalLayer& l = as_conv(h);
  l.weights()[0] = 2.f;
  l.scales()[0] = 3.f;
  l.biases()[0] = 0.5f;
  l.rolling_mean()[0] = 1.f;
  l.rolling_variance()[0] = 4.f;
  const float xs[] = {0.f, 1.f, -1.f, 2.5f};
  for (int i = 0; i < 4; ++i) h.in[0][size_t(i)] = xs[i];
  h.forward(false);
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(h.out[size_t(i)], 3.f * (2.f * xs[i] - 1.f) / std::sqrt(4.00001f) + 0.5f, 1e-6);
  EXPECT_EQ(l.rolling_mean()[0], 1.f);
  EXPECT_EQ(l.rolling_variance()[0], 4.f);

  // Training: batch statistics (variance over N - 1 = 3), outputs independent of the rolling ones,
  // which move by 0.01 toward the batch's.
  h.forward(true);
  const double mean = (0 + 2 - 2 + 5) / 4.0;  // of z = 2x
  double var = 0;
  for (float x : xs) var += (2 * x - mean) * (2 * x - mean);
  var /= 3;
  for (int i = 0; i < 4; ++i)
    EXPECT_NEAR(h.out[size_t(i)], 3 * (2 * xs[i] - mean) / std::sqrt(var + 1e-5) + 0.5, 1e-5);
  EXPECT_NEAR(l.rolling_mean()[0], 0.99 * 1 + 0.01 * mean, 1e-6);
  EXPECT_NEAR(l.rolling_variance()[0], 0.99 * 4 + 0.01 * var, 1e-6);
}

TEST(GradcheckConvolutional, Geometries) {
  expect_gradcheck("filters=4\nsize=3\npad=1\nactivation=linear\n", {1, 3, 5, 5}, 2);
  expect_gradcheck("filters=4\nsize=3\nstride=2\npad=1\nactivation=linear\n", {1, 3, 7, 5}, 2);
  expect_gradcheck("filters=3\nsize=3\nstride=2\nactivation=linear\n", {1, 2, 8, 7}, 1);
  expect_gradcheck("filters=5\nsize=1\nactivation=linear\n", {1, 3, 4, 3}, 3);
  expect_gradcheck("filters=5\nsize=1\nstride=2\nactivation=linear\n", {1, 3, 5, 4}, 2);
  expect_gradcheck("filters=5\nsize=3\npad=1\nactivation=logistic\n", {1, 3, 7, 5}, 2);  // odd channels, 7x5
  expect_gradcheck("filters=4\nsize=3\npad=1\ngroups=2\nactivation=linear\n", {1, 6, 5, 4}, 2);
  expect_gradcheck("filters=6\nsize=3\npad=1\ngroups=3\nactivation=linear\n", {1, 3, 5, 6}, 2);  // depthwise-like
  expect_gradcheck("filters=3\nsize=3\npad=1\ndilation=2\nactivation=linear\n", {1, 2, 7, 6}, 2);
  expect_gradcheck("filters=3\nsize=3\nstride_x=2\nstride_y=1\npadding=2\nactivation=linear\n", {1, 2, 6, 5}, 2);
}

TEST(GradcheckConvolutional, EachActivation) {
  for (const char* a : {"linear", "logistic", "tanh", "swish", "mish"})
    expect_gradcheck(std::string("filters=3\nsize=3\npad=1\nactivation=") + a + "\n", {1, 2, 5, 4}, 2);
  // Kinked activations: a small step, so that few pre-activations straddle the kink.
  Check kinked;
  kinked.eps = 1e-3f;
  kinked.tol = 1e-2;
  for (const char* a : {"leaky", "relu", "hard_mish"})
    expect_gradcheck(std::string("filters=3\nsize=3\npad=1\nactivation=") + a + "\n", {1, 2, 5, 4}, 2, kinked);
  // ASFF's per-pixel level weights: a softmax over the 3 channels of each pixel.
  for (const char* a : {"normalize_channels_softmax", "normalize_channels_softmax_maxval"})
    expect_gradcheck(std::string("filters=3\nsize=1\nactivation=") + a + "\n", {1, 4, 5, 3}, 2);
}

// darknet's batch-norm backward (normalize_delta_cpu) is not the exact gradient of its forward: the
// forward's variance divides by N - 1, the backward's d var / dx by N (and epsilon moves out of the
// square root). The weight gradients then differ from the true ones by about |sum g x_norm| / (N s),
// a few percent of their size here (N = batch·h·w = 105); BatchNormBackwardIsDarknets pins the formula.
TEST(GradcheckConvolutional, BatchNormTrainMode) {
  Check bn;
  bn.floor = 1.0;
  bn.tol = 0.1;
  expect_gradcheck("filters=5\nsize=3\npad=1\nbatch_normalize=1\nactivation=linear\n", {1, 3, 7, 5}, 3, bn);
  expect_gradcheck("filters=4\nsize=3\nstride=2\npad=1\nbatch_normalize=1\nactivation=mish\n", {1, 3, 9, 7}, 3, bn);
  expect_gradcheck("filters=4\nsize=1\nbatch_normalize=1\ngroups=2\nactivation=logistic\n", {1, 4, 7, 5}, 2, bn);
}

TEST(GradcheckConvolutional, BatchNormInferenceMode) {
  Check inference;
  inference.train = false;
  expect_gradcheck("filters=5\nsize=3\npad=1\nbatch_normalize=1\nactivation=swish\n", {1, 3, 7, 5}, 2, inference);
}

// The layer's batch-norm weight gradient equals darknet's formula (mean_delta_cpu, variance_delta_cpu,
// normalize_delta_cpu) evaluated in double, and is within a few percent of the exact gradient.
TEST(Convolutional, BatchNormBackwardIsDarknets) {
  const int B = 3, C = 4, F = 4, P = 35, N = B * P;
  LayerHarness h = conv("filters=4\nsize=1\nbatch_normalize=1\nactivation=linear\n", {1, C, 7, 5}, B);
  ConvolutionalLayer& l = as_conv(h);
  Rng rng(99);
  std::vector<float> r(h.out.size());
  for (float& v : r) v = rng.uniform(-1.f, 1.f);
  h.forward(true);
  for (size_t i = 0; i < r.size(); ++i) h.out_delta[i] = -r[i];
  h.grads.fill(0.f);
  Shape os = l.out_shape;
  os.n = B;
  BackwardArgs a;
  a.in = h.input_views();
  a.in_delta = {Tensor{nullptr, a.in[0].shape, Device::cpu}};
  a.out = h.out.view(os);
  a.out_delta = h.out_delta.view(os);
  l.backward(a);
  const float* weight_grads = h.grads.data() + 4 * F;  // after biases, scales, rolling mean, rolling variance
  for (int f = 0; f < F; ++f) {
    std::vector<double> z(N);
    for (int b = 0; b < B; ++b)
      for (int p = 0; p < P; ++p) {
        double s = 0;
        for (int c = 0; c < C; ++c) s += double(l.weights()[f * C + c]) * h.in[0][size_t((b * C + c) * P + p)];
        z[size_t(b * P + p)] = s;
      }
    double mean = 0, var = 0;
    for (double v : z) mean += v;
    mean /= N;
    for (double v : z) var += (v - mean) * (v - mean);
    var /= N - 1;
    const double sd = std::sqrt(var + 1e-5);
    std::vector<double> g(N);  // delta of the normalised value: scale · delta
    double sum_g = 0, sum_gx = 0;
    for (int b = 0; b < B; ++b)
      for (int p = 0; p < P; ++p) {
        const size_t i = size_t(b * P + p);
        g[i] = -double(l.scales()[f]) * r[size_t((b * F + f) * P + p)];
        sum_g += g[i];
        sum_gx += g[i] * (z[i] - mean) / sd;
      }
    for (int c = 0; c < C; ++c) {
      double exact = 0, darknet = 0;
      for (int b = 0; b < B; ++b)
        for (int p = 0; p < P; ++p) {
          const size_t i = size_t(b * P + p);
          const double x_norm = (z[i] - mean) / sd, x = h.in[0][size_t((b * C + c) * P + p)];
          exact += (g[i] - sum_g / N - x_norm * sum_gx / (N - 1)) / sd * x;
          darknet += (g[i] - sum_g / N - x_norm * sum_gx / N) / sd * x;
        }
      const double got = weight_grads[f * C + c];
      EXPECT_NEAR(got, darknet, 1e-4 * (1 + std::fabs(darknet))) << "filter " << f << " channel " << c;
      EXPECT_NEAR(got, exact, 0.1 * (1 + std::fabs(exact))) << "filter " << f << " channel " << c;
    }
  }
}

TEST(Convolutional, BackwardAccumulatesAndSkipsUnwantedInputDelta) {
  LayerHarness h = conv("filters=3\nsize=3\npad=1\nactivation=linear\n", {1, 2, 4, 4}, 1);
  h.forward(true);
  Shape os = h.layer->out_shape;
  auto run = [&](float* in_delta) {
    for (size_t i = 0; i < h.out_delta.size(); ++i) h.out_delta[i] = 1.f;
    BackwardArgs a;
    a.in = h.input_views();
    a.in_delta = {Tensor{in_delta, a.in[0].shape, Device::cpu}};
    a.out = h.out.view(os);
    a.out_delta = h.out_delta.view(os);
    h.layer->backward(a);
  };
  h.grads.fill(0.f);
  Buffer d1(h.in[0].size(), 0.f);
  run(d1.data());
  std::vector<float> once(h.grads.data(), h.grads.data() + h.grads.size());
  Buffer d2(h.in[0].size(), 0.f);
  run(nullptr);  // no input delta wanted: only the parameter gradients accumulate
  run(d2.data());
  for (size_t i = 0; i < once.size(); ++i) EXPECT_NEAR(h.grads[i], 3 * once[i], 1e-4 * (1 + std::fabs(once[i])));
  for (size_t i = 0; i < d1.size(); ++i) EXPECT_NEAR(d2[i], d1[i], 1e-6);
}

// Every convolution of darknet's tinycsp network, fed with darknet's own dump of its input layer and
// loaded with the fixture's weights, reproduces darknet's inference output (relative L2 <= 1e-4).
TEST(GoldenConvolutional, TinycspConvolutionsMatchDarknet) {
  const std::string dir = std::string(DS_SHARED_DIR) + "/fixtures/darknet_golden";
  std::ifstream probe(dir + "/tinycsp.weights");
  if (!probe) GTEST_SKIP() << "no golden fixtures at " << dir;
  Cfg cfg = parse_cfg_file(dir + "/tinycsp.cfg");
  NetOptions net = parse_net_options(cfg.net());
  std::ifstream wf(dir + "/tinycsp.weights", std::ios::binary);
  int32_t header[3];
  wf.read(reinterpret_cast<char*>(header), sizeof header);
  uint64_t seen = 0;
  wf.read(reinterpret_cast<char*>(&seen), sizeof seen);  // 0.2.x: 64-bit seen
  ASSERT_TRUE(wf.good());
  int checked = 0;
  for (size_t i = 0; i < cfg.num_layers(); ++i) {
    const CfgSection& s = cfg.layer(i);
    if (s.type != "convolutional") continue;
    char name[64];
    if (i == 0) std::snprintf(name, sizeof name, "/input.npy");
    else std::snprintf(name, sizeof name, "/forward/layer_%03zu.npy", i - 1);
    NpyArray x = read_npy(dir + name);
    ASSERT_EQ(x.shape.size(), 4u);
    Shape in{1, int(x.shape[1]), int(x.shape[2]), int(x.shape[3])};
    std::vector<Shape> prev(i, in);  // only the shape of layer i-1 matters
    BuildContext ctx{net, int(i), in, prev};
    auto layer = make_layer(s, ctx);
    size_t count = 0;
    for (const auto& b : layer->param_blocks()) count += b.count;
    Buffer params(count), grads(count);
    wf.read(reinterpret_cast<char*>(params.data()), std::streamsize(count * sizeof(float)));
    ASSERT_TRUE(wf.good()) << "weights truncated at layer " << i;
    layer->bind_params(params.data(), grads.data());

    const int batch = int(x.shape[0]);
    Shape os = layer->out_shape;
    os.n = batch;
    Buffer out(os.size());
    ForwardArgs a;
    a.in = {Tensor{x.data.data(), Shape{batch, in.c, in.h, in.w}, Device::cpu}};
    a.out = out.view(os);
    layer->forward(a);

    std::snprintf(name, sizeof name, "/forward/layer_%03zu.npy", i);
    NpyArray want = read_npy(dir + name);
    ASSERT_EQ(want.data.size(), out.size()) << "layer " << i << " shape " << os.str();
    double num = 0, den = 0;
    for (size_t k = 0; k < out.size(); ++k) {
      num += double(out[k] - want.data[k]) * (out[k] - want.data[k]);
      den += double(want.data[k]) * want.data[k];
    }
    EXPECT_LE(std::sqrt(num / std::max(den, 1e-30)), 1e-4) << "layer " << i;
    ++checked;
  }
  EXPECT_EQ(checked, 9);
}

// The whole tinycsp network in training mode (batch statistics: variance over N - 1, darknet's CPU
// normalize_cpu) gives darknet's [yolo] outputs of deltas_train_bn/ (relative L2 <= 1e-4).
TEST(GoldenConvolutional, TrainModeBatchNormMatchesDarknet) {
  const std::string dir = std::string(DS_SHARED_DIR) + "/fixtures/darknet_golden";
  std::ifstream probe(dir + "/tinycsp.weights");
  if (!probe) GTEST_SKIP() << "no golden fixtures at " << dir;
  Network net(parse_cfg_file(dir + "/tinycsp.cfg"), 2);
  load_weights(net, dir + "/tinycsp.weights");
  NpyArray x = read_npy(dir + "/input.npy");
  Rng rng(1);
  net.forward(x.data.data(), true, &rng);
  for (int layer : {14, 19}) {
    char name[64];
    std::snprintf(name, sizeof name, "/deltas_train_bn/layer_%03d.npy", layer);
    NpyArray want = read_npy(dir + name);
    Tensor got = net.output(size_t(layer));
    ASSERT_EQ(want.data.size(), got.size());
    double num = 0, den = 0;
    for (size_t k = 0; k < got.size(); ++k) {
      num += double(got.data[k] - want.data[k]) * (got.data[k] - want.data[k]);
      den += double(want.data[k]) * want.data[k];
    }
    EXPECT_LE(std::sqrt(num / std::max(den, 1e-30)), 1e-4) << "layer " << layer;
  }
}
