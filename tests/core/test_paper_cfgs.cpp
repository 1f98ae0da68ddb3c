// The paper's networks (experiments/cfg/paper/*.cfg): each builds, its FLOPs and parameters agree with the
// numbers darknet and the papers publish, every detector's backbone is its classifier's first N layers (so
// `partial N` starts it from a classifier run), and Table 5's variants differ from the base detector only in
// the blocks they add.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "core/cfg/cfg.h"
#include "core/nn/network.h"

using namespace ds;

namespace {

const std::string kDir = std::string(DS_SOURCE_DIR) + "/experiments/cfg/paper/";

Cfg paper_cfg(const std::string& name, const std::vector<std::string>& overrides = {}) {
  Cfg cfg = parse_cfg_file(kDir + name);
  apply_overrides(cfg, overrides);
  return cfg;
}

// Built for one image; `keep_layers` > 0 keeps only the first layers (cheaper when only they are compared).
Network paper_net(const std::string& name, const std::vector<std::string>& overrides = {}, size_t keep_layers = 0) {
  Cfg cfg = paper_cfg(name, overrides);
  if (keep_layers > 0) cfg.sections.resize(keep_layers + 1);
  return Network(cfg, 1);
}

// The structure tests build at 128x128 (a stride-32 map of 4x4): shapes and parameters do not depend on it.
const std::vector<std::string> kSmall = {"net.width=128", "net.height=128"};

// Trained parameters (weights, biases, batch-norm scales): what papers count, without the rolling statistics.
double trained_params(const Network& net, int first_layer = 0, int end_layer = 1 << 30) {
  double n = 0;
  for (const ParamSlot& s : net.param_slots())
    if (s.layer >= first_layer && s.layer < end_layer &&
        (s.block.kind == ParamKind::weight || s.block.kind == ParamKind::bias || s.block.kind == ParamKind::scale))
      n += double(s.block.count);
  return n;
}

double flops(const Network& net, size_t first_layer, size_t end_layer) {
  double f = 0;
  for (size_t i = first_layer; i < end_layer; ++i) f += net.layer(i).forward_flops();
  return f;
}

// A layer as the comparisons see it: type, parameter block sizes, output shape.
std::string signature(const Network& net, size_t i) {
  std::string s(net.layer(i).type());
  for (const ParamSlot& p : net.param_slots())
    if (size_t(p.layer) == i) s += " " + p.block.name + ":" + std::to_string(p.block.count);
  return s + " -> " + net.layer(i).out_shape.str();
}

std::vector<size_t> layers_of_type(const Network& net, std::string_view type) {
  std::vector<size_t> out;
  for (size_t i = 0; i < net.num_layers(); ++i)
    if (net.layer(i).type() == type) out.push_back(i);
  return out;
}

struct PaperCfg {
  const char* file;
  size_t layers;
  size_t backbone;  // partial N
  std::vector<size_t> heads;
  const char* classifier;
};

const std::vector<PaperCfg> kCfgs = {
    {"cspresnext50-classifier.cfg", 85, 81, {}, nullptr},
    {"cspdarknet53-classifier.cfg", 109, 105, {}, nullptr},
    {"cspresnext50-panet-spp.cfg", 138, 81, {115, 126, 137}, "cspresnext50-classifier.cfg"},
    {"cspdarknet53-panet-spp.cfg", 162, 105, {139, 150, 161}, "cspdarknet53-classifier.cfg"},
    {"cspresnext50-panet-spp-rfb.cfg", 174, 81, {127, 150, 173}, "cspresnext50-classifier.cfg"},
    {"cspresnext50-panet-spp-sam.cfg", 144, 81, {117, 130, 143}, "cspresnext50-classifier.cfg"},
    {"cspresnext50-panet-spp-sam-gaussian.cfg", 144, 81, {117, 130, 143}, "cspresnext50-classifier.cfg"},
    {"cspresnext50-panet-spp-asff-rfb.cfg", 236, 81, {163, 199, 235}, "cspresnext50-classifier.cfg"},
};

}  // namespace

TEST(PaperCfgs, EveryFileBuildsWithItsLayersHeadsAndPartialInTheHeaderComment) {
  for (const PaperCfg& c : kCfgs) {
    SCOPED_TRACE(c.file);
    Network net = paper_net(c.file, kSmall);
    EXPECT_EQ(net.num_layers(), c.layers);
    std::vector<size_t> heads = layers_of_type(net, "yolo");
    for (size_t i : layers_of_type(net, "Gaussian_yolo")) heads.push_back(i);
    EXPECT_EQ(heads, c.heads);
    for (size_t h : heads) EXPECT_EQ(net.layer(h).out_shape.c, 3 * (80 + (net.layer(h).type() == "yolo" ? 5 : 9)));
    // The header comment states partial N and the head indices.
    std::string text;
    {
      FILE* f = std::fopen((kDir + c.file).c_str(), "r");
      ASSERT_NE(f, nullptr);
      char buf[4096];
      size_t n = std::fread(buf, 1, sizeof buf, f);
      std::fclose(f);
      text.assign(buf, n);
    }
    EXPECT_NE(text.find("partial " + std::to_string(c.backbone)), std::string::npos);
    if (!heads.empty()) {
      std::string list;
      for (size_t h : heads) list += (list.empty() ? "" : ", ") + std::to_string(h);
      EXPECT_NE(text.find("layers: " + list), std::string::npos) << list;
    }
    if (!c.classifier) {  // the classifiers end with the 1000-class layer, avgpool, softmax, cost
      EXPECT_EQ(net.layer(c.backbone).out_shape.c, 1000);
      EXPECT_EQ(net.layer(c.layers - 3).type(), "avgpool");
      EXPECT_EQ(net.layer(c.layers - 2).type(), "softmax");
      EXPECT_EQ(net.layer(c.layers - 1).type(), "cost");
    }
  }
}

// darknet's "Total BFLOPS" of yolov4.cfg: 91.1 at 512x512 and 128.5 at 608x608 (AlexeyAB/darknet README,
// quoted in AlexeyAB/darknet issue #5755: "128.5, 91.1, 60.1, 35.5 BFLOPs" for 608, 512, 416, 320).
// Network::forward_flops counts the convolutions only (2 x multiply-adds, darknet's convolutional bflops);
// darknet's total also has the maxpool/shortcut layers' small counts, so 1 % tolerance.
TEST(PaperCfgs, Yolov4DetectorFlopsMatchDarknetsTotalBflops) {
  const std::vector<std::pair<int, double>> published = {{512, 91.1}, {608, 128.5}};
  for (auto [size, bflops] : published) {
    Network net = paper_net("cspdarknet53-panet-spp.cfg",
                            {"net.width=" + std::to_string(size), "net.height=" + std::to_string(size)});
    std::printf("cspdarknet53-panet-spp.cfg at %d: %.3f BFLOPs (darknet: %.1f)\n", size, net.forward_flops() / 1e9, bflops);
    EXPECT_NEAR(net.forward_flops() / 1e9, bflops, 0.01 * bflops) << size;
  }
}

// YOLOv4 paper, Table 1 (backbones at 512x512): CSPResNeXt50 20.6 M parameters, 31 BFLOPs (15.5 FMA);
// CSPDarknet53 27.6 M parameters, 52 BFLOPs (26.0 FMA). The CSPNet paper (Table 3) gives CSPResNeXt-50
// 20.5 M parameters with its 1000-class layer. We count the backbone's layers 0..N-1 at 512 for the BFLOPs
// and the whole classifier (class layer included) for the parameters; tolerance 3 %.
TEST(PaperCfgs, BackboneFlopsAndParametersMatchYolov4Table1) {
  struct Ref {
    const char* file;
    size_t backbone;
    double bflops_512, mparams;
  };
  for (const Ref& r : {Ref{"cspresnext50-classifier.cfg", 81, 31.0, 20.6}, Ref{"cspdarknet53-classifier.cfg", 105, 52.0, 27.6}}) {
    SCOPED_TRACE(r.file);
    Network net = paper_net(r.file, {"net.width=512", "net.height=512"});  // the class layer is cheap at 16x16
    std::printf("%s: backbone %.3f BFLOPs at 512 (paper %.0f), %.3f M parameters (paper %.1f)\n", r.file,
                flops(net, 0, r.backbone) / 1e9, r.bflops_512, trained_params(net) / 1e6, r.mparams);
    EXPECT_NEAR(flops(net, 0, r.backbone) / 1e9, r.bflops_512, 0.03 * r.bflops_512);
    EXPECT_NEAR(trained_params(net) / 1e6, r.mparams, 0.03 * r.mparams);
  }
}

// darknet's layer table for csresnext50-panet-spp.cfg at 608x608 (WongKinYiu/CrossStagePartialNetworks
// issue #4): layer 0 conv 64 7x7/2 1.739 BF, 2 conv 128 1x1 0.379 BF, 4 conv 64 1x1 0.189 BF,
// 6 conv 128/32 3x3 0.213 BF, 7 conv 128 1x1 0.757 BF; and at 736x736 (AlexeyAB/darknet issue #4652):
// 69 conv 1024 1x1 1.109 BF, 71 conv 1024/32 3x3 0.312 BF, 80 conv 2048 1x1 4.438 BF, 81 conv 512 1x1 1.109 BF.
TEST(PaperCfgs, CspResNeXt50LayersHaveDarknetsPerLayerBflops) {
  Network at608 = paper_net("cspresnext50-panet-spp.cfg", {"net.width=608", "net.height=608"}, 8);
  for (auto [layer, bf] : std::vector<std::pair<size_t, double>>{{0, 1.739}, {2, 0.379}, {4, 0.189}, {6, 0.213}, {7, 0.757}})
    EXPECT_NEAR(at608.layer(layer).forward_flops() / 1e9, bf, 0.001) << "layer " << layer;
  Network at736 = paper_net("cspresnext50-panet-spp.cfg", {"net.width=736", "net.height=736"}, 82);
  for (auto [layer, bf] : std::vector<std::pair<size_t, double>>{{69, 1.109}, {71, 0.312}, {80, 4.438}, {81, 1.109}})
    EXPECT_NEAR(at736.layer(layer).forward_flops() / 1e9, bf, 0.001) << "layer " << layer;
}

// partial N: the detector's layers 0..N-1 have its classifier's types and parameter blocks, in order.
TEST(PaperCfgs, EveryDetectorBackboneIsItsClassifiersFirstNLayers) {
  for (const PaperCfg& c : kCfgs) {
    if (!c.classifier) continue;
    SCOPED_TRACE(c.file);
    Network det = paper_net(c.file, kSmall, c.backbone + 1);
    Network cls = paper_net(c.classifier, kSmall);
    for (size_t i = 0; i < c.backbone; ++i) ASSERT_EQ(signature(det, i), signature(cls, i)) << "layer " << i;
    EXPECT_NE(signature(det, c.backbone), signature(cls, c.backbone));
    EXPECT_EQ(trained_params(det, 0, int(c.backbone)), trained_params(cls, 0, int(c.backbone)));
  }
}

// Table 5: -rfb and -sam are the base detector with layers inserted (the base is a subsequence, the extra
// layers only of the block's types); -sam-gaussian is -sam with [Gaussian_yolo] heads; -asff-rfb has the
// base's layers up to N3, then per head an ASFF fusion with per-pixel softmax weights and the RFB block.
TEST(PaperCfgs, Table5VariantsDifferFromTheBaseOnlyInTheirBlocks) {
  const std::vector<std::string>& size = kSmall;
  Network base = paper_net("cspresnext50-panet-spp.cfg", size);
  auto inserted = [&](const Network& v) {
    std::vector<std::string> extra;
    size_t j = 0;
    for (size_t i = 0; i < base.num_layers(); ++i, ++j) {
      while (j < v.num_layers() && signature(v, j) != signature(base, i)) extra.push_back(std::string(v.layer(j++).type()));
      if (j == v.num_layers()) {
        ADD_FAILURE() << "base layer " << i << " (" << signature(base, i) << ") not found";
        break;
      }
    }
    while (j < v.num_layers()) extra.push_back(std::string(v.layer(j++).type()));
    return extra;
  };
  auto count = [](const std::vector<std::string>& v, const std::string& t) { return std::count(v.begin(), v.end(), t); };

  Network rfb = paper_net("cspresnext50-panet-spp-rfb.cfg", size);
  std::vector<std::string> e = inserted(rfb);
  EXPECT_EQ(e.size(), 3u * 12);  // per head: 3 routes + 3 x (1x1, 3x3) + route + 1x1 + shortcut
  EXPECT_EQ(count(e, "convolutional"), 3 * 7);
  EXPECT_EQ(count(e, "route"), 3 * 4);
  EXPECT_EQ(count(e, "shortcut"), 3);
  Cfg rfb_cfg = paper_cfg("cspresnext50-panet-spp-rfb.cfg");
  std::vector<int> dilations;
  for (size_t i = 0; i < rfb_cfg.num_layers(); ++i)
    if (rfb_cfg.layer(i).type == "convolutional" && rfb_cfg.layer(i).has("dilation"))
      dilations.push_back(rfb_cfg.layer(i).get_int("dilation", 1));
  EXPECT_EQ(dilations, (std::vector<int>{3, 5, 3, 5, 3, 5}));

  Network sam = paper_net("cspresnext50-panet-spp-sam.cfg", size);
  e = inserted(sam);
  EXPECT_EQ(e, (std::vector<std::string>{"convolutional", "sam", "convolutional", "sam", "convolutional", "sam"}));

  Network gauss = paper_net("cspresnext50-panet-spp-sam-gaussian.cfg", size);
  ASSERT_EQ(gauss.num_layers(), sam.num_layers());
  std::vector<size_t> differ;
  for (size_t i = 0; i < sam.num_layers(); ++i)
    if (signature(gauss, i) != signature(sam, i)) differ.push_back(i);
  EXPECT_EQ(differ, (std::vector<size_t>{116, 117, 129, 130, 142, 143}));  // prediction convs and heads

  Network asff = paper_net("cspresnext50-panet-spp-asff-rfb.cfg", size);
  const size_t n3 = 112;  // the base's N3 (its first head's path starts at 113)
  for (size_t i = 0; i <= n3; ++i) ASSERT_EQ(signature(asff, i), signature(base, i)) << "layer " << i;
  Cfg asff_cfg = paper_cfg("cspresnext50-panet-spp-asff-rfb.cfg");
  int weight_maps = 0;  // ASFF's per-pixel weights: a 3-filter 1x1 convolution with a softmax over its channels
  for (size_t i = 0; i < asff_cfg.num_layers(); ++i) {
    const CfgSection& s = asff_cfg.layer(i);
    if (s.type == "convolutional" && s.get_string("activation", "") == "normalize_channels_softmax") {
      ++weight_maps;
      EXPECT_EQ(s.get_int("filters", 0), 3);
      EXPECT_EQ(s.get_int("size", 0), 1);
    }
  }
  EXPECT_EQ(weight_maps, 3);
  EXPECT_EQ(layers_of_type(asff, "scale_channels").size(), 3u * 3);  // each level weighed by its map, per head
  // Beyond the base's shortcuts: the three fusions and the three RFB shortcuts.
  EXPECT_EQ(layers_of_type(asff, "shortcut").size(), layers_of_type(base, "shortcut").size() + 3 + 3);
  // Beyond -rfb's convolutions: per head, two that resize the levels, three that compress them and the weights.
  EXPECT_EQ(layers_of_type(asff, "convolutional").size() - layers_of_type(rfb, "convolutional").size(), 3u * 6);
}
