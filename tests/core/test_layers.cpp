// The non-convolutional CPU layers: finite-difference gradient checks of every backward() on awkward shapes
// (Gradcheck* suites), and unit tests of shapes, option validation and hand-computed forwards.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <numeric>

#include "core/layers/yolo.h"
#include "core/nn/gradcheck.h"
#include "core/util/error.h"
#include "tests/support/error_of.h"

using namespace ds;
using ds::test::error_of;

namespace {

constexpr double kTol = 1e-2;

Shape img(int c, int h, int w) { return Shape{1, c, h, w}; }


// Builds `section` as the layer after `prev` (batch 2) and runs the gradient check.
GradcheckResult check(const std::string& section, std::vector<Shape> prev, GradcheckOptions opt = {},
                      int batch = 2) {
  LayerHarness h = LayerHarness::build(section, prev.empty() ? img(3, 5, 7) : prev.front(), prev, batch);
  return gradcheck(h, opt);
}

// Replaces the harness inputs by a shuffled ramp with steps of 0.01 (> 2 eps), so that finite differences
// never swap the winners of a max.
void distinct_inputs(LayerHarness& h) {
  Rng rng(5);
  for (auto& b : h.in) {
    std::vector<float> v(b.size());
    for (size_t i = 0; i < v.size(); ++i) v[i] = 0.01f * float(i) - 0.005f * float(v.size());
    std::shuffle(v.begin(), v.end(), std::mt19937(unsigned(rng.next())));
    std::copy(v.begin(), v.end(), b.data());
  }
}

float sigmoid(float x) { return 1.f / (1.f + std::exp(-x)); }

}  // namespace

// ---------------------------------------------------------------------------------------------- gradients

class GradcheckMaxpool : public ::testing::TestWithParam<std::string> {};

std::string maxpool_form_name(const ::testing::TestParamInfo<std::string>& info) {
  static const char* names[] = {"Size2Stride2", "Size3Stride2", "Spp5", "Size3Stride2x1Pad1", "Depth"};
  return names[info.index];
}

TEST_P(GradcheckMaxpool, MatchesFiniteDifferences) {
  LayerHarness h = LayerHarness::build(GetParam(), img(3, 5, 7), {img(3, 5, 7)}, 2);
  distinct_inputs(h);
  GradcheckResult r = gradcheck(h);
  EXPECT_TRUE(r.ok(kTol)) << r.worst;
  EXPECT_GT(r.checked, 0);
}

INSTANTIATE_TEST_SUITE_P(Gradcheck, GradcheckMaxpool,
                         ::testing::Values("[maxpool]\nsize=2\nstride=2\n", "[maxpool]\nsize=3\nstride=2\n",
                                           "[maxpool]\nsize=5\nstride=1\n",
                                           "[maxpool]\nsize=3\nstride_x=2\nstride_y=1\npadding=1\n",
                                           "[maxpool]\nmaxpool_depth=1\nout_channels=2\n"),
                         maxpool_form_name);

TEST(GradcheckLayers, Avgpool) {
  GradcheckResult r = check("[avgpool]\n", {img(3, 5, 7)});
  EXPECT_TRUE(r.ok(kTol)) << r.worst;
}

TEST(GradcheckLayers, RouteTwoInputs) {
  GradcheckResult r = check("[route]\nlayers=-1,0\n", {img(3, 5, 7), img(5, 5, 7)});
  EXPECT_TRUE(r.ok(kTol)) << r.worst;
}

TEST(GradcheckLayers, RouteGroups) {
  GradcheckResult r = check("[route]\nlayers=-2,-1\ngroups=2\ngroup_id=1\n", {img(4, 5, 7), img(6, 5, 7)});
  EXPECT_TRUE(r.ok(kTol)) << r.worst;
}

TEST(GradcheckLayers, ShortcutPlain) {
  GradcheckResult r = check("[shortcut]\nfrom=-2\n", {img(3, 5, 7), img(3, 5, 7)});
  EXPECT_TRUE(r.ok(kTol)) << r.worst;
}

TEST(GradcheckLayers, ShortcutWithActivationAndTwoSources) {
  GradcheckResult r = check("[shortcut]\nfrom=-2,0\nactivation=logistic\n", {img(3, 5, 7), img(3, 5, 7), img(3, 5, 7)});
  EXPECT_TRUE(r.ok(kTol)) << r.worst;
}

TEST(GradcheckLayers, ShortcutDifferentChannelCounts) {
  // darknet adds the first min(c) channels (flat per-image indices).
  EXPECT_TRUE(check("[shortcut]\nfrom=0\n", {img(2, 5, 7), img(3, 5, 7)}).ok(kTol));
  EXPECT_TRUE(check("[shortcut]\nfrom=0\n", {img(5, 5, 7), img(3, 5, 7)}).ok(kTol));
}

class GradcheckShortcutWeights : public ::testing::TestWithParam<std::tuple<std::string, std::string>> {};

TEST_P(GradcheckShortcutWeights, MatchesFiniteDifferences) {
  auto [type, norm] = GetParam();
  std::string section = "[shortcut]\nfrom=-2,0\nactivation=logistic\nweights_type=" + type +
                        "\nweights_normalization=" + norm + "\n";
  // darknet's weight update ignores the derivative of the normalisation, so the weight gradient is exact only
  // without one; the input deltas are exact in every case.
  GradcheckOptions opt;
  opt.check_params = norm == "none";
  GradcheckResult r = check(section, {img(3, 5, 7), img(3, 5, 7), img(3, 5, 7)}, opt);
  EXPECT_TRUE(r.ok(kTol)) << section << r.worst;
}

INSTANTIATE_TEST_SUITE_P(Gradcheck, GradcheckShortcutWeights,
                         ::testing::Combine(::testing::Values("per_feature", "per_channel"),
                                            ::testing::Values("none", "relu", "softmax")),
                         [](const auto& info) { return std::get<0>(info.param) + "_" + std::get<1>(info.param); });

TEST(GradcheckLayers, Upsample) {
  EXPECT_TRUE(check("[upsample]\nstride=2\n", {img(3, 5, 7)}).ok(kTol));
  EXPECT_TRUE(check("[upsample]\nstride=3\nscale=0.5\n", {img(3, 5, 7)}).ok(kTol));
  EXPECT_TRUE(check("[upsample]\nstride=-2\n", {img(3, 4, 6)}).ok(kTol));
}

TEST(GradcheckLayers, Dropout) {
  LayerHarness h = LayerHarness::build("[dropout]\nprobability=0.3\n", img(3, 5, 7), {img(3, 5, 7)}, 2);
  GradcheckResult r = gradcheck(h);
  EXPECT_TRUE(r.ok(kTol)) << r.worst;
}

TEST(GradcheckLayers, DropBlock) {
  LayerHarness h = LayerHarness::build("[dropout]\nprobability=0.5\ndropblock=1\ndropblock_size_abs=3\n", img(3, 5, 7),
                                       {img(3, 5, 7)}, 2);
  GradcheckResult r = gradcheck(h);
  EXPECT_TRUE(r.ok(kTol)) << r.worst;
}

TEST(GradcheckLayers, Sam) {
  GradcheckResult r = check("[sam]\nfrom=-2\n", {img(3, 5, 7), img(3, 5, 7)});
  EXPECT_TRUE(r.ok(kTol)) << r.worst;
  for (const char* act : {"logistic", "mish", "swish"}) {
    r = check(std::string("[sam]\nfrom=0\nactivation=") + act + "\n", {img(3, 5, 7), img(3, 5, 7)});
    EXPECT_TRUE(r.ok(kTol)) << act << ": " << r.worst;
  }
}

TEST(GradcheckLayers, ScaleChannels) {
  GradcheckResult r = check("[scale_channels]\nfrom=-2\n", {img(3, 5, 7), img(3, 1, 1)});
  EXPECT_TRUE(r.ok(kTol)) << r.worst;
  r = check("[scale_channels]\nfrom=0\nscale_wh=1\nactivation=logistic\n", {img(3, 5, 7), img(1, 5, 7)});
  EXPECT_TRUE(r.ok(kTol)) << r.worst;
}

// darknet's softmax passes its delta through unchanged, because the delta it receives is the cross-entropy
// delta (truth - p): check that this is the negative gradient of L = -sum t log p w.r.t. the input.
TEST(GradcheckLayers, SoftmaxPassThroughIsCrossEntropyGradient) {
  for (int groups : {1, 5}) {
    LayerHarness h = LayerHarness::build("[softmax]\ngroups=" + std::to_string(groups) + "\n", img(5, 3, 1),
                                         {img(5, 3, 1)}, 2);
    size_t n = h.out.size(), group = 15 / size_t(groups);
    std::vector<float> truth(n, 0.f);
    for (size_t g = 0; g < n / group; ++g) truth[g * group + (g * 7) % group] = 1.f;
    auto loss = [&] {
      h.forward(true);
      double l = 0;
      for (size_t i = 0; i < n; ++i) l -= truth[i] * std::log(double(h.out[i]));
      return l;
    };
    loss();
    for (size_t i = 0; i < n; ++i) h.out_delta[i] = truth[i] - h.out[i];
    Buffer dx(n);
    BackwardArgs a;
    a.in = h.input_views();
    a.in_delta = {dx.view(a.in[0].shape)};
    a.out = h.out.view(a.in[0].shape);
    a.out_delta = h.out_delta.view(a.in[0].shape);
    h.layer->backward(a);
    for (size_t i = 0; i < n; ++i) {
      float saved = h.in[0][i];
      h.in[0][i] = saved + 1e-3f;
      double lp = loss();
      h.in[0][i] = saved - 1e-3f;
      double lm = loss();
      h.in[0][i] = saved;
      EXPECT_NEAR(-dx[i], (lp - lm) / 2e-3, 1e-3) << "groups " << groups << " element " << i;
    }
  }
}

// ---------------------------------------------------------------------------------------------- shapes

TEST(CpuLayers, OutputShapes) {
  auto shape_of = [](const std::string& section, std::vector<Shape> prev) {
    return LayerHarness::build(section, prev.front(), prev, 1).layer->out_shape;
  };
  EXPECT_EQ(shape_of("[maxpool]\nsize=2\nstride=2\n", {img(3, 5, 7)}), img(3, 3, 4));
  EXPECT_EQ(shape_of("[maxpool]\nsize=3\nstride=2\n", {img(3, 5, 7)}), img(3, 3, 4));
  EXPECT_EQ(shape_of("[maxpool]\nsize=13\nstride=1\n", {img(3, 5, 7)}), img(3, 5, 7));
  EXPECT_EQ(shape_of("[maxpool]\nsize=2\nstride=1\n", {img(3, 5, 7)}), img(3, 5, 7));  // yolov3-tiny
  EXPECT_EQ(shape_of("[maxpool]\nmaxpool_depth=1\nout_channels=2\n", {img(5, 5, 7)}), img(2, 5, 7));
  EXPECT_EQ(shape_of("[avgpool]\n", {img(3, 5, 7)}), img(3, 1, 1));
  EXPECT_EQ(shape_of("[route]\nlayers=-1,0\n", {img(3, 5, 7), img(4, 5, 7)}), img(7, 5, 7));
  EXPECT_EQ(shape_of("[route]\nlayers=-1\ngroups=2\ngroup_id=1\n", {img(6, 5, 7)}), img(3, 5, 7));
  EXPECT_EQ(shape_of("[upsample]\nstride=2\n", {img(3, 5, 7)}), img(3, 10, 14));
  EXPECT_EQ(shape_of("[upsample]\nstride=-2\n", {img(3, 4, 6)}), img(3, 2, 3));
  EXPECT_EQ(shape_of("[scale_channels]\nfrom=-2\n", {img(3, 5, 7), img(3, 1, 1)}), img(3, 5, 7));
  EXPECT_EQ(shape_of("[shortcut]\nfrom=0\nweights_type=per_channel\n", {img(3, 5, 7), img(3, 5, 7)}), img(3, 5, 7));
}

TEST(CpuLayers, ShortcutWeightCountsAndInit) {
  LayerHarness f = LayerHarness::build("[shortcut]\nfrom=-2,0\nweights_type=per_feature\n", img(3, 5, 7),
                                       {img(3, 5, 7), img(3, 5, 7), img(3, 5, 7)}, 1);
  ASSERT_EQ(f.layer->param_blocks().size(), 1u);
  EXPECT_EQ(f.layer->param_blocks()[0].name, "weights");
  EXPECT_EQ(f.layer->param_blocks()[0].count, 3u);
  EXPECT_EQ(f.layer->param_blocks()[0].kind, ParamKind::weight);
  EXPECT_EQ(f.layer->inputs, (std::vector<int>{2, 1, 0}));
  LayerHarness c = LayerHarness::build("[shortcut]\nfrom=-2\nweights_type=per_channel\n", img(3, 5, 7),
                                       {img(3, 5, 7), img(3, 5, 7)}, 1);
  EXPECT_EQ(c.layer->param_blocks()[0].count, 6u);
  Rng rng(3);
  c.layer->init_params(rng);
  for (size_t i = 0; i < c.params.size(); ++i) EXPECT_NEAR(c.params[i], 1.f, 0.0100001f);
  EXPECT_TRUE(LayerHarness::build("[shortcut]\nfrom=-2\n", img(3, 5, 7), {img(3, 5, 7), img(3, 5, 7)}, 1)
                  .layer->param_blocks()
                  .empty());
}

// per_feature + softmax, hand computed: out = v0 x0 + v1 x1 with v = softmax(w) (eps 1e-4 in the sum);
// the weight update is darknet's: sum of delta * input (no softmax derivative).
TEST(CpuLayers, ShortcutSoftmaxWeightsForwardAndDarknetUpdate) {
  LayerHarness h = LayerHarness::build("[shortcut]\nfrom=0\nweights_type=per_feature\nweights_normalization=softmax\n",
                                       img(1, 1, 2), {img(1, 1, 2), img(1, 1, 2)}, 1);
  h.params[0] = 0.f, h.params[1] = std::log(3.f);  // v = 1/4, 3/4 up to eps
  h.in[0][0] = 2.f, h.in[0][1] = -1.f;             // previous layer
  h.in[1][0] = 4.f, h.in[1][1] = 8.f;              // from=0
  h.forward(false);
  float sum = 1.f / 3.f + 1.f + 1e-4f;  // exponents taken relative to the largest weight, as darknet
  float v0 = (1.f / 3.f) / sum, v1 = 1.f / sum;
  EXPECT_NEAR(h.out[0], 2.f * v0 + 4.f * v1, 1e-5);
  EXPECT_NEAR(h.out[1], -1.f * v0 + 8.f * v1, 1e-5);
  h.out_delta[0] = 1.f, h.out_delta[1] = 0.5f;
  Buffer d0(2), d1(2);
  BackwardArgs a;
  a.in = h.input_views();
  a.in_delta = {d0.view(a.in[0].shape), Tensor{}};  // second input wants no delta
  a.out = h.out.view(a.in[0].shape);
  a.out_delta = h.out_delta.view(a.in[0].shape);
  h.grads.fill(0.f);
  h.layer->backward(a);
  EXPECT_NEAR(d0[0], 1.f * v0, 1e-5);
  EXPECT_NEAR(d0[1], 0.5f * v0, 1e-5);
  EXPECT_NEAR(h.grads[0], 2.f * 1.f - 1.f * 0.5f, 1e-5);
  EXPECT_NEAR(h.grads[1], 4.f * 1.f + 8.f * 0.5f, 1e-5);
}

TEST(CpuLayers, MaxpoolSppKeepsSizeAndPicksWindowMax) {
  LayerHarness h = LayerHarness::build("[maxpool]\nsize=3\nstride=1\n", img(1, 3, 3), {img(1, 3, 3)}, 1);
  for (int i = 0; i < 9; ++i) h.in[0][size_t(i)] = float(i);
  h.forward(false);
  // window of 3 centred (offset -padding/2 = -1): out[i,j] = max of the 3x3 neighbourhood
  std::vector<float> expect = {4, 5, 5, 7, 8, 8, 7, 8, 8};
  for (int i = 0; i < 9; ++i) EXPECT_EQ(h.out[size_t(i)], expect[size_t(i)]) << i;
}

TEST(CpuLayers, DropoutIdentityAtInferenceAndScaledInTraining) {
  LayerHarness h = LayerHarness::build("[dropout]\nprobability=0.25\n", img(3, 5, 7), {img(3, 5, 7)}, 2);
  h.forward(false);
  for (size_t i = 0; i < h.out.size(); ++i) EXPECT_EQ(h.out[i], h.in[0][i]);
  h.forward(true);
  size_t zeros = 0;
  for (size_t i = 0; i < h.out.size(); ++i) {
    if (h.out[i] == 0.f) ++zeros;
    else EXPECT_NEAR(h.out[i], h.in[0][i] / 0.75f, 1e-6);
  }
  EXPECT_GT(zeros, 0u);
  EXPECT_LT(zeros, h.out.size() / 2);
}

TEST(CpuLayers, DropBlockDropsSquareBlocksAndRescales) {
  LayerHarness h = LayerHarness::build("[dropout]\nprobability=0.9\ndropblock=1\ndropblock_size_abs=2\n", img(4, 6, 6),
                                       {img(4, 6, 6)}, 1);
  for (size_t i = 0; i < h.in[0].size(); ++i) h.in[0][i] = 1.f;
  h.forward(true);
  size_t zeros = 0;
  float kept = 0.f;
  for (size_t i = 0; i < h.out.size(); ++i) {
    if (h.out[i] == 0.f) ++zeros;
    else kept = h.out[i];
  }
  ASSERT_GT(zeros, 0u);
  EXPECT_EQ(zeros % 4, 0u);  // whole 2x2 blocks, at most one per channel
  EXPECT_LE(zeros, 16u);
  EXPECT_NEAR(kept, 1.f / (1.f - float(zeros) / 144.f), 1e-5);
}

// darknet's ramp (forward_dropout_layer_gpu, dropblock branch): r = min(1, iteration / (0.85 max_batches)) scales
// both the probability and the block size. Over 1024 channels of 16x16 ones, each channel drops at most one
// s x s block (s = int(8 r)), with probability P = 1 - (1 - p r / s²)^256; so the probability the layer used is
// recovered from the share of channels that dropped a block: p r = s² (1 - (1 - P)^(1/256)).
TEST(CpuLayers, DropBlockRampsProbabilityAndBlockSizeOverTheTraining) {
  const int c = 128, side = 16, batch = 8, max_batches = 1000;
  const float p = 0.2f;
  LayerHarness h = LayerHarness::build("[dropout]\nprobability=0.2\ndropblock=1\ndropblock_size_abs=8\n",
                                       img(c, side, side), {img(c, side, side)}, batch);
  std::fill(h.in[0].data(), h.in[0].data() + h.in[0].size(), 1.f);
  struct Seen {
    int block = 0;         // side of the dropped squares (0: none dropped)
    double channels = 0;   // share of the channels that dropped a block
    double dropped = 0;    // share of the elements dropped
    double prob = 0;       // the probability recovered from `channels`
  };
  auto run = [&](int iteration) {
    Shape os = h.layer->out_shape;
    os.n = batch;
    Rng rng(17);
    ForwardArgs a;
    a.in = h.input_views();
    a.out = h.out.view(os);
    a.train = true;
    a.rng = &rng;
    a.iteration = iteration;
    a.max_batches = max_batches;
    h.layer->forward(a);
    Seen s;
    const size_t hw = size_t(side) * side, outputs = size_t(c) * hw;
    size_t blocks = 0, zeros_all = 0;
    for (int b = 0; b < batch; ++b) {
      size_t zeros_image = 0;
      for (int k = 0; k < c; ++k) {
        const float* m = h.out.data() + size_t(b) * outputs + size_t(k) * hw;
        int x0 = side, x1 = -1, y0 = side, y1 = -1;
        size_t zeros = 0;
        for (int y = 0; y < side; ++y)
          for (int x = 0; x < side; ++x)
            if (m[y * side + x] == 0.f) ++zeros, x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y),
                                        y1 = std::max(y1, y);
        if (!zeros) continue;
        const int w = x1 - x0 + 1;
        EXPECT_EQ(w, y1 - y0 + 1) << "iteration " << iteration;  // a square ...
        EXPECT_EQ(zeros, size_t(w) * w) << "iteration " << iteration;  // ... and all of it
        if (s.block) {
          EXPECT_EQ(w, s.block) << "iteration " << iteration;
        }
        s.block = w;
        ++blocks;
        zeros_image += zeros;
      }
      // The kept elements are rescaled by 1 / (1 - dropped share of the image).
      const float scale = 1.f / (1.f - float(zeros_image) / float(outputs));
      size_t wrong = 0;
      for (size_t i = 0; i < outputs; ++i) {
        const float v = h.out[size_t(b) * outputs + i];
        wrong += v != 0.f && v != scale;
      }
      EXPECT_EQ(wrong, 0u) << "iteration " << iteration << ", image " << b;
      zeros_all += zeros_image;
    }
    s.channels = double(blocks) / (batch * c);
    s.dropped = double(zeros_all) / double(h.out.size());
    if (s.block) s.prob = double(s.block) * s.block * (1 - std::pow(1 - s.channels, 1.0 / double(hw)));
    return s;
  };
  // The share of channels that drop a block for probability q and block side s, and its binomial spread.
  auto expected_channels = [&](double q, int s) { return 1 - std::pow(1 - q / (s * s), double(side * side)); };
  auto spread = [&](double share) { return std::sqrt(share * (1 - share) / (batch * c)); };

  const Seen start = run(0);  // r = 0: nothing dropped, the output is the input
  EXPECT_EQ(start.block, 0);
  EXPECT_EQ(0, std::memcmp(h.out.data(), h.in[0].data(), h.out.size() * sizeof(float)));

  const Seen half = run(425);  // r = 425 / 850 = 0.5: probability 0.1, blocks of 4
  EXPECT_EQ(half.block, 4);
  const double half_share = expected_channels(p * 0.5, 4);
  EXPECT_NEAR(half.channels, half_share, 4 * spread(half_share));
  EXPECT_NEAR(half.prob, p * 0.5, 0.2 * p * 0.5);

  for (int iteration : {850, 1000}) {  // r = 1 from 0.85 max_batches on: probability 0.2, blocks of 8
    const Seen full = run(iteration);
    EXPECT_EQ(full.block, 8) << iteration;
    const double full_share = expected_channels(p, 8);
    EXPECT_NEAR(full.channels, full_share, 4 * spread(full_share)) << iteration;
    EXPECT_NEAR(full.prob, p, 0.2 * p) << iteration;
    EXPECT_GT(full.dropped, 1.5 * half.dropped) << iteration;
    std::printf("[ DropBlock] it 0: nothing; it 425: block %d, p %.4f, dropped %.4f; it %d: block %d, p %.4f, "
                "dropped %.4f\n",
                half.block, half.prob, half.dropped, iteration, full.block, full.prob, full.dropped);
  }
}

// ---------------------------------------------------------------------------------------------- errors

TEST(CpuLayers, RouteReferenceErrorsNameFileAndLine) {
  std::string e = error_of([] { LayerHarness::build("[route]\nlayers=-5\n", img(3, 5, 7), {img(3, 5, 7)}, 1); });
  EXPECT_NE(e.find("gradcheck.cfg:7"), std::string::npos) << e;
  EXPECT_NE(e.find("layers"), std::string::npos) << e;
  e = error_of([] { LayerHarness::build("[route]\nlayers=3\n", img(3, 5, 7), {img(3, 5, 7)}, 1); });
  EXPECT_NE(e.find("gradcheck.cfg:7"), std::string::npos) << e;
  e = error_of([] { LayerHarness::build("[route]\ngroups=2\n", img(3, 5, 7), {img(3, 5, 7)}, 1); });
  EXPECT_NE(e.find("gradcheck.cfg:6"), std::string::npos) << e;  // missing layers= -> the header line
  e = error_of([] { LayerHarness::build("[route]\nlayers=-1,-2\n", img(3, 5, 7), {img(3, 5, 7), img(3, 4, 7)}, 1); });
  EXPECT_NE(e.find("gradcheck.cfg:7"), std::string::npos) << e;
  EXPECT_NE(e.find("height and width"), std::string::npos) << e;
  e = error_of([] {
    LayerHarness::build("[route]\nlayers=-1\ngroups=2\ngroup_id=2\n", img(3, 5, 7), {img(4, 5, 7)}, 1);
  });
  EXPECT_NE(e.find("gradcheck.cfg:9"), std::string::npos) << e;
}

TEST(CpuLayers, ShortcutReferenceErrorsNameFileAndLine) {
  std::string e = error_of([] { LayerHarness::build("[shortcut]\nfrom=-3\n", img(3, 5, 7), {img(3, 5, 7)}, 1); });
  EXPECT_NE(e.find("gradcheck.cfg:7"), std::string::npos) << e;
  e = error_of([] { LayerHarness::build("[shortcut]\nfrom=0\n", img(3, 5, 7), {img(3, 5, 7), img(3, 5, 6)}, 1); });
  EXPECT_NE(e.find("gradcheck.cfg:7"), std::string::npos) << e;
  EXPECT_NE(e.find("height and width"), std::string::npos) << e;
  e = error_of([] {
    LayerHarness::build("[shortcut]\nfrom=0\nweights_type=per_pixel\n", img(3, 5, 7), {img(3, 5, 7), img(3, 5, 7)}, 1);
  });
  EXPECT_NE(e.find("gradcheck.cfg:8"), std::string::npos) << e;
  EXPECT_NE(e.find("per_channel"), std::string::npos) << e;
  e = error_of([] { LayerHarness::build("[sam]\nfrom=0\n", img(3, 5, 7), {img(3, 5, 7), img(2, 5, 7)}, 1); });
  EXPECT_NE(e.find("gradcheck.cfg:7"), std::string::npos) << e;
  e = error_of([] { LayerHarness::build("[scale_channels]\nfrom=0\n", img(3, 5, 7), {img(3, 5, 7), img(4, 1, 1)}, 1); });
  EXPECT_NE(e.find("gradcheck.cfg:7"), std::string::npos) << e;
}

TEST(CpuLayers, UnsupportedOptionsAreErrors) {
  std::string e = error_of([] { LayerHarness::build("[maxpool]\nantialiasing=1\n", img(3, 5, 7), {img(3, 5, 7)}, 1); });
  EXPECT_NE(e.find("gradcheck.cfg:7"), std::string::npos) << e;
  e = error_of([] { LayerHarness::build("[softmax]\ntree=data/9k.tree\n", img(3, 5, 7), {img(3, 5, 7)}, 1); });
  EXPECT_NE(e.find("gradcheck.cfg:7"), std::string::npos) << e;
  e = error_of([] { LayerHarness::build("[softmax]\nspatial=1\n", img(3, 5, 7), {img(3, 5, 7)}, 1); });
  EXPECT_NE(e.find("gradcheck.cfg:7"), std::string::npos) << e;
  e = error_of([] { LayerHarness::build("[upsample]\nstride=-2\n", img(3, 5, 7), {img(3, 5, 7)}, 1); });
  EXPECT_NE(e.find("gradcheck.cfg:7"), std::string::npos) << e;
}

namespace {

const char* kYolo = "[yolo]\nmask=1\nanchors=10,14, 23,27\nclasses=1\nnum=2\n";

}  // namespace

TEST(CpuLayers, YoloValidationErrorsNameFileAndLine) {
  auto build = [](const std::string& section, int channels) {
    return error_of([&] { LayerHarness::build(section, img(3, 8, 8), {img(channels, 3, 2)}, 1); });
  };
  EXPECT_EQ(build(kYolo, 6), "(no InputError)");
  std::string e = build(kYolo, 7);  // 1 anchor x (1 + 5) = 6 channels expected
  EXPECT_NE(e.find("gradcheck.cfg:9"), std::string::npos) << e;  // reported at classes=
  EXPECT_NE(e.find("filters=6"), std::string::npos) << e;
  e = build("[yolo]\nmask=2\nanchors=10,14, 23,27\nclasses=1\nnum=2\n", 6);
  EXPECT_NE(e.find("gradcheck.cfg:7"), std::string::npos) << e;
  EXPECT_NE(e.find("mask"), std::string::npos) << e;
  e = build("[yolo]\nmask=0\nanchors=10,14, 23\nclasses=1\nnum=2\n", 6);
  EXPECT_NE(e.find("gradcheck.cfg:8"), std::string::npos) << e;
  EXPECT_NE(e.find("anchors"), std::string::npos) << e;
  e = build("[yolo]\nmask=0\nanchors=10,14, 23,27\nclasses=1\nnum=2\niou_loss=l1\n", 6);
  EXPECT_NE(e.find("gradcheck.cfg:11"), std::string::npos) << e;
  EXPECT_NE(e.find("ciou"), std::string::npos) << e;
  e = build("[yolo]\nmask=0\nanchors=10,14, 23,27\nclasses=2\nnum=2\ncounters_per_class=5\n", 7);
  EXPECT_NE(e.find("gradcheck.cfg:11"), std::string::npos) << e;
  e = build("[yolo]\nmask=0\nanchors=10,14, 23,27\nclasses=1\nnum=2\nnms_kind=soft\n", 6);
  EXPECT_NE(e.find("greedynms"), std::string::npos) << e;
}

TEST(CpuLayers, YoloReadsEveryDarknetOptionWithDefaults) {
  Cfg cfg = parse_cfg_text(
      "[net]\nwidth=8\nheight=8\nchannels=3\n"
      "[yolo]\nmask=0,1\nanchors=1,2,3,4,5,6\nclasses=2\nnum=3\njitter=.3\nresize=1.5\nignore_thresh=.7\n"
      "truth_thresh=1\niou_thresh=0.213\nrandom=1\nscale_x_y=1.05\niou_normalizer=0.07\nobj_normalizer=2\n"
      "cls_normalizer=1.0\ndelta_normalizer=1\niou_loss=ciou\niou_thresh_kind=giou\nbeta_nms=0.6\n"
      "nms_kind=greedynms\nlabel_smooth_eps=0.1\nmax_delta=5\ncounters_per_class=10,40\nobjectness_smooth=1\n"
      "new_coords=0\nfocal_loss=0\ntrack_history_size=5\nsim_thresh=0.8\ndets_for_track=1\ndets_for_show=1\n"
      "track_ciou_norm=0.01\nembedding_layer=999999\nmax=90\nshow_details=0\n",
      "all.cfg");
  const CfgSection& s = cfg.layer(0);
  YoloOptions o = parse_yolo_options(s);
  EXPECT_NO_THROW(s.check_all_used());
  EXPECT_EQ(o.mask, (std::vector<int>{0, 1}));
  EXPECT_EQ(o.iou_loss, IouLoss::ciou);
  EXPECT_EQ(o.iou_thresh_kind, IouLoss::giou);
  EXPECT_EQ(o.nms_kind, NmsKind::greedynms);
  EXPECT_FLOAT_EQ(o.iou_thresh, 0.213f);
  EXPECT_FLOAT_EQ(o.scale_x_y, 1.05f);
  EXPECT_EQ(o.max_boxes, 90);
  ASSERT_EQ(o.classes_multipliers.size(), 2u);
  EXPECT_FLOAT_EQ(o.classes_multipliers[0], 4.f);
  EXPECT_FLOAT_EQ(o.classes_multipliers[1], 1.f);

  Cfg d = parse_cfg_text("[net]\nwidth=8\nheight=8\nchannels=3\n[yolo]\nanchors=1,2\n", "d.cfg");
  YoloOptions def = parse_yolo_options(d.layer(0));
  EXPECT_EQ(def.classes, 20);
  EXPECT_EQ(def.num, 1);
  EXPECT_EQ(def.mask, (std::vector<int>{0}));
  EXPECT_FLOAT_EQ(def.iou_normalizer, 0.75f);
  EXPECT_FLOAT_EQ(def.ignore_thresh, 0.5f);
  EXPECT_FLOAT_EQ(def.truth_thresh, 1.f);
  EXPECT_FLOAT_EQ(def.iou_thresh, 1.f);
  EXPECT_FLOAT_EQ(def.jitter, 0.2f);
  EXPECT_FLOAT_EQ(def.beta_nms, 0.6f);
  EXPECT_EQ(def.iou_loss, IouLoss::mse);
  EXPECT_EQ(def.nms_kind, NmsKind::default_nms);
  EXPECT_EQ(def.max_delta, FLT_MAX);
}

// Two cells, one anchor, one class, scale_x_y = 1.2: x' = 1.2 σ(x) - 0.1; w, h raw; objectness and class σ.
TEST(CpuLayers, YoloForwardHandComputedWithScaleXY) {
  LayerHarness h = LayerHarness::build("[yolo]\nmask=0\nanchors=10,14\nclasses=1\nnum=1\nscale_x_y=1.2\n",
                                       img(3, 8, 8), {img(6, 1, 2)}, 1);
  std::vector<float> in = {0.f, 2.f, -1.f, 0.5f, 0.3f, -0.3f, 1.5f, -2.f, 0.25f, 4.f, -4.f, 1.f};
  std::copy(in.begin(), in.end(), h.in[0].data());
  h.forward(false);
  std::vector<float> expect = {1.2f * 0.5f - 0.1f, 1.2f * sigmoid(2.f) - 0.1f, 1.2f * sigmoid(-1.f) - 0.1f,
                               1.2f * sigmoid(0.5f) - 0.1f, 0.3f, -0.3f, 1.5f, -2.f, sigmoid(0.25f), sigmoid(4.f),
                               sigmoid(-4.f), sigmoid(1.f)};
  for (size_t i = 0; i < in.size(); ++i) EXPECT_NEAR(h.out[i], expect[i], 1e-6) << i;

  // Backward passes the delta through unchanged.
  for (size_t i = 0; i < in.size(); ++i) h.out_delta[i] = float(i);
  Buffer dx(in.size(), 1.f);
  BackwardArgs a;
  a.in = h.input_views();
  a.in_delta = {dx.view(a.in[0].shape)};
  a.out = h.out.view(a.in[0].shape);
  a.out_delta = h.out_delta.view(a.in[0].shape);
  h.layer->backward(a);
  for (size_t i = 0; i < in.size(); ++i) EXPECT_EQ(dx[i], 1.f + float(i));
}
