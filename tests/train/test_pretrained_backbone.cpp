// The smoke backbone classifier (experiments/cfg/smoke-backbone-classifier.cfg) is the smoke detector's
// layers 0-25: its final weights start the detector through darknet's `partial` 26, the pre-training stage
// of experiments/smoke/table4.json.
#include <gtest/gtest.h>

#include <filesystem>
#include <unistd.h>

#include "core/cfg/cfg.h"
#include "core/nn/network.h"
#include "core/nn/weights_io.h"
#include "core/util/rng.h"

using namespace ds;

namespace {

constexpr int kBackboneLayers = 26;

Network network_of(const std::string& name) {
  return Network(parse_cfg_file(std::string(DS_SOURCE_DIR) + "/experiments/cfg/" + name));
}

}  // namespace

TEST(PretrainedBackbone, ClassifierLayersAreTheDetectorsFirst26AndLoadThroughPartial) {
  Network classifier = network_of("smoke-backbone-classifier.cfg");
  Network detector = network_of("smoke-csp-spp-pan.cfg");
  // Same parameter blocks, in the same order, for layers 0-25; the classifier's next layer is its class layer.
  std::vector<ParamSlot> a, b;
  for (const ParamSlot& s : classifier.param_slots())
    if (s.layer < kBackboneLayers) a.push_back(s);
  for (const ParamSlot& s : detector.param_slots())
    if (s.layer < kBackboneLayers) b.push_back(s);
  ASSERT_EQ(a.size(), b.size());
  ASSERT_FALSE(a.empty());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].layer, b[i].layer);
    EXPECT_EQ(a[i].block.kind, b[i].block.kind);
    EXPECT_EQ(a[i].block.count, b[i].block.count) << "layer " << a[i].layer;
  }

  // Weights written by the classifier load into the detector's first 26 layers and leave the rest alone.
  Rng init(3);
  classifier.init_params(init);
  Rng other(4);
  detector.init_params(other);
  const std::vector<float> before(detector.params(), detector.params() + detector.num_params());
  const std::string path =
      (std::filesystem::temp_directory_path() / ("ds_backbone_" + std::to_string(getpid()) + ".weights")).string();
  save_weights(classifier, path);
  load_weights(detector, path, kBackboneLayers);
  std::filesystem::remove(path);
  for (size_t i = 0; i < a.size(); ++i)
    for (size_t k = 0; k < a[i].block.count; ++k)
      ASSERT_EQ(detector.params()[b[i].offset + k], classifier.params()[a[i].offset + k]) << "layer " << a[i].layer;
  const size_t backbone_end = b.back().offset + b.back().block.count;
  for (size_t i = backbone_end; i < detector.num_params(); ++i) ASSERT_EQ(detector.params()[i], before[i]);
}
