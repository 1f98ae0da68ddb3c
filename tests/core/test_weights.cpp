// darknet .weights round trip on a network with every layer type, and the errors for bad files.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/nn/network.h"
#include "core/nn/weights_io.h"
#include "core/util/error.h"
#include "tests/support/error_of.h"

using namespace ds;
using ds::test::error_of;

namespace {

const std::string kEveryLayer = std::string(DS_SOURCE_DIR) + "/tests/data/every_layer.cfg";

std::string temp_path(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("ds_test_" + std::to_string(getpid()) + "_" + name)).string();
}

// Randomises every parameter (positive variances) so that the round trip is a real test.
void randomise(Network& net, uint64_t seed) {
  Rng rng(seed);
  net.init_params(rng);
  for (const ParamSlot& s : net.param_slots())
    for (size_t i = 0; i < s.block.count; ++i)
      net.params()[s.offset + i] =
          s.block.kind == ParamKind::rolling_variance ? rng.uniform(0.5f, 2.f) : rng.uniform(-0.5f, 0.5f);
}

std::vector<float> input_for(const Network& net, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> x(size_t(net.mini_batch()) * net.input_shape().size());
  for (auto& v : x) v = rng.uniform();
  return x;
}


}  // namespace

TEST(Weights, RoundTripGivesIdenticalOutputsOnEveryLayerType) {
  Cfg cfg = parse_cfg_file(kEveryLayer);
  Network a(cfg), b(cfg);
  randomise(a, 3);
  const std::string path = temp_path("every.weights");
  save_weights(a, path, 1234);
  WeightsHeader h = load_weights(b, path);
  EXPECT_EQ(h.major, 0);
  EXPECT_EQ(h.minor, 2);
  EXPECT_EQ(h.revision, 5);
  EXPECT_EQ(h.seen, 1234u);
  ASSERT_EQ(a.num_params(), b.num_params());
  EXPECT_EQ(0, std::memcmp(a.params(), b.params(), a.num_params() * sizeof(float)));
  EXPECT_EQ(std::filesystem::file_size(path), 20 + a.num_params() * sizeof(float));

  std::vector<float> x = input_for(a, 5);
  a.forward(x.data(), false);
  b.forward(x.data(), false);
  for (size_t i = 0; i < a.num_layers(); ++i) {
    Tensor ta = a.output(i), tb = b.output(i);
    ASSERT_EQ(0, std::memcmp(ta.data, tb.data, ta.size() * sizeof(float))) << "layer " << i << " " << a.layer(i).type();
  }
  std::filesystem::remove(path);
}

TEST(Weights, TruncatedAndOversizedFilesAreErrorsWithSizes) {
  Cfg cfg = parse_cfg_file(kEveryLayer);
  Network net(cfg);
  randomise(net, 1);
  const std::string path = temp_path("bad.weights");
  save_weights(net, path);
  const auto size = std::filesystem::file_size(path);

  std::filesystem::resize_file(path, size - 4);
  std::string e = error_of([&] { load_weights(net, path); });
  EXPECT_NE(e.find("truncated"), std::string::npos) << e;
  EXPECT_NE(e.find(std::to_string(size)), std::string::npos) << e;      // expected
  EXPECT_NE(e.find(std::to_string(size - 4)), std::string::npos) << e;  // actual

  std::filesystem::resize_file(path, size + 8);
  e = error_of([&] { load_weights(net, path); });
  EXPECT_NE(e.find("oversized"), std::string::npos) << e;

  std::filesystem::resize_file(path, 7);
  e = error_of([&] { load_weights(net, path); });
  EXPECT_NE(e.find("header"), std::string::npos) << e;
  std::filesystem::remove(path);
  EXPECT_NE(error_of([&] { load_weights(net, path); }).find("cannot open"), std::string::npos);
}

TEST(Weights, PartialLoadsOnlyTheFirstLayers) {
  Cfg cfg = parse_cfg_file(kEveryLayer);
  Network full(cfg), part(cfg);
  randomise(full, 1);
  randomise(part, 2);
  const std::string path = temp_path("partial.weights");
  save_weights(full, path, 0, 3);  // darknet `partial`: first 3 layers only
  load_weights(part, path, 3);
  for (const ParamSlot& s : part.param_slots()) {
    bool same = std::memcmp(full.params() + s.offset, part.params() + s.offset, s.block.count * 4) == 0;
    EXPECT_EQ(same, s.layer < 3) << "layer " << s.layer << " " << s.block.name;
  }
  // Loading all layers from a partial file is a truncation error.
  EXPECT_NE(error_of([&] { load_weights(part, path); }).find("truncated"), std::string::npos);
  std::filesystem::remove(path);
}

TEST(Weights, DontloadLayersHaveNoBytesInTheFile) {
  Cfg cfg = parse_cfg_file(kEveryLayer);
  Network src(cfg);
  randomise(src, 4);
  const std::string path = temp_path("dontload.weights");
  save_weights(src, path);
  apply_override(cfg, "0.dontload=1");
  Network dst(cfg);
  // darknet skips a dontload layer without consuming bytes, so a full file is too long by layer 0's size.
  size_t layer0 = 0;
  for (const ParamSlot& s : dst.param_slots())
    if (s.layer == 0) layer0 += s.block.count * sizeof(float);
  std::string e = error_of([&] { load_weights(dst, path); });
  EXPECT_NE(e.find("oversized"), std::string::npos) << e;
  EXPECT_NE(e.find(std::to_string(layer0) + " bytes too many"), std::string::npos) << e;
  std::filesystem::remove(path);
}
