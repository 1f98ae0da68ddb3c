// Golden test: every layer's inference output on darknet's tinycsp network equals darknet's own dump
// (../shared/fixtures/darknet_golden/forward), relative L2 error <= 1e-4 as its README asks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "core/nn/network.h"
#include "core/nn/weights_io.h"
#include "core/util/npy.h"
#include "tests/support/relative_l2.h"

using namespace ds;

namespace {
const std::string kDir = std::string(DS_SHARED_DIR) + "/fixtures/darknet_golden";
}  // namespace

TEST(GoldenDarknet, ForwardMatchesEveryLayer) {
  Cfg cfg = parse_cfg_file(kDir + "/tinycsp.cfg");
  NpyArray x = read_npy(kDir + "/input.npy");
  ASSERT_EQ(x.shape, (std::vector<size_t>{2, 3, 96, 80}));
  Network net(cfg, 2);
  load_weights(net, kDir + "/tinycsp.weights");
  net.forward(x.data.data(), false);
  for (size_t i = 0; i < net.num_layers(); ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "/forward/layer_%03zu.npy", i);
    NpyArray want = read_npy(kDir + name);
    Tensor got = net.output(i);
    ASSERT_EQ(want.data.size(), got.size()) << "layer " << i << " " << net.layer(i).type() << " shape " << got.shape.str();
    double err = test::relative_l2(got.data, want.data.data(), got.size());
    EXPECT_LE(err, 1e-4) << "layer " << i << " (" << net.layer(i).type() << ")";
  }
}
