// Whole-network gradient checks of the smoke detector, trained-mode batch norm, back-propagated by
// Network::backward, against finite differences of L = sum(out * r) on the last layer: the backbone and neck up
// to the first [yolo] head's convolution, and the PAN paths that feed the stride-16 and stride-32 heads. The
// per-layer checks cover each backward; these cover how the deltas flow between layers (routes with groups,
// SPP maxpools, upsampling, down-sampling convolutions routed back into the backbone).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "core/cfg/cfg.h"
#include "core/nn/network.h"
#include "core/util/rng.h"

using namespace ds;

namespace {

// The smoke detector cut before its head-th [yolo] section (0-based); earlier [yolo] sections become
// identity routes, so layer indices (and the routes that use them) stay as in the full network.
std::string smoke_cfg_before_head(int head) {
  std::ifstream in(std::string(DS_SOURCE_DIR) + "/experiments/cfg/smoke-csp-spp-pan.cfg");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  for (int k = 0; k < head; ++k) {
    const size_t at = text.find("\n[yolo]");  // (the header comment mentions [yolo] too)
    const size_t end = text.find("\n[", at + 1);
    text.replace(at, end - at, "\n[route]\nlayers=-1\n");
  }
  return text.substr(0, text.find("\n[yolo]"));
}

double loss_of(Network& net, const std::vector<float>& x, const std::vector<float>& r) {
  Rng rng(3);
  net.forward(x.data(), /*train=*/true, &rng);
  Tensor out = net.output(net.num_layers() - 1);
  double l = 0;
  for (size_t i = 0; i < out.size(); ++i) l += double(out.data[i]) * r[i];
  return l;
}

// Back-propagated gradients of L against finite differences on weights and batch-norm scales of `layers`.
void check_network_gradients(const std::string& cfg_text, const std::vector<int>& layers) {
  Cfg cfg = parse_cfg_text(cfg_text, "smoke-cut.cfg");
  apply_override(cfg, "net.width=96");
  apply_override(cfg, "net.height=96");
  Network net(cfg, 4);
  Rng init(5);
  net.init_params(init);
  const size_t last = net.num_layers() - 1;
  Rng data(11);
  std::vector<float> x(size_t(4) * net.input_shape().size());
  for (float& v : x) v = data.uniform(0.f, 1.f);
  std::vector<float> r(net.output(last).size());
  for (float& v : r) v = data.uniform(-1.f, 1.f);

  // Analytic: delta = -dL/dout on the last layer; grads() then holds -dL/dparam.
  std::fill(net.grads(), net.grads() + net.num_params(), 0.f);
  loss_of(net, x, r);
  Tensor d = net.delta(last);
  for (size_t i = 0; i < d.size(); ++i) d.data[i] = -r[i];
  net.backward(x.data());
  std::vector<float> analytic(net.grads(), net.grads() + net.num_params());

  // Numeric, on weights and batch-norm scales of layers spread over the network.
  int checked = 0, good = 0;
  std::string report;
  for (const ParamSlot& s : net.param_slots()) {
    if (s.block.kind != ParamKind::weight && s.block.kind != ParamKind::scale) continue;
    if (std::find(layers.begin(), layers.end(), s.layer) == layers.end()) continue;
    for (int k = 0; k < 3; ++k) {
      const size_t i = s.offset + (size_t(k) * 7919) % s.block.count;
      const float saved = net.params()[i];
      const float eps = 3e-4f * std::max(1.f, std::fabs(saved));  // small: leaky kinks and maxpool switches
      net.params()[i] = saved + eps;
      const double lp = loss_of(net, x, r);
      net.params()[i] = saved - eps;
      const double lm = loss_of(net, x, r);
      net.params()[i] = saved;
      const double numeric = -(lp - lm) / (2.0 * eps);
      const double a = analytic[i];
      const double rel = std::fabs(a - numeric) / std::max({std::fabs(a), std::fabs(numeric), 1e-3});
      ++checked;
      good += rel < 0.2;
      report += "layer " + std::to_string(s.layer) + " " + s.block.name + "[" + std::to_string(i - s.offset) +
                "] analytic " + std::to_string(a) + " numeric " + std::to_string(numeric) + "\n";
    }
  }
  // Leaky kinks and maxpool ties can spoil a few finite differences; a wrong backward spoils most.
  EXPECT_GE(checked, int(layers.size()) * 3);
  EXPECT_GE(good, checked * 8 / 10) << report;
}

}  // namespace

TEST(GradcheckNetwork, SmokeDetectorBackboneMatchesFiniteDifferences) {
  check_network_gradients(smoke_cfg_before_head(0), {0, 2, 10, 23, 33, 40, 48, 51});
}

// The path of the stride-16 and stride-32 heads: down-sampling convolutions and routes back into the backbone.
TEST(GradcheckNetwork, SmokeDetectorPanPathsToTheLaterHeadsMatchFiniteDifferences) {
  check_network_gradients(smoke_cfg_before_head(1), {10, 33, 41, 49, 54, 57, 60});
  check_network_gradients(smoke_cfg_before_head(2), {10, 33, 41, 54, 58, 63, 66, 69});
}
