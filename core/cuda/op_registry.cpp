// Which layer types have a native CUDA op; every other type runs through the host fallback (op.h).
#include <map>
#include <string_view>

#include "core/cuda/cuda_network.h"
#include "core/cuda/op.h"

namespace ds::cuda {
namespace {

const std::map<std::string_view, OpFactory>& native_ops() {
  static const std::map<std::string_view, OpFactory> ops = {
      {"convolutional", make_convolutional_op}, {"maxpool", make_maxpool_op}, {"avgpool", make_avgpool_op},
      {"route", make_route_op},                 {"shortcut", make_shortcut_op}, {"upsample", make_upsample_op},
      {"yolo", make_yolo_op},                   {"Gaussian_yolo", make_yolo_op},
      {"sam", make_sam_op},                     {"scale_channels", make_scale_channels_op},
      {"softmax", make_softmax_op},             {"cost", make_cost_op},
  };
  return ops;
}

}  // namespace

std::unique_ptr<Op> make_op(Network& net, size_t layer) {
  const auto& ops = native_ops();
  auto it = ops.find(net.host().layer(layer).type());
  return it == ops.end() ? make_host_fallback(net, layer) : it->second(net, layer);
}

std::vector<std::string> native_op_types() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : native_ops()) names.emplace_back(name);
  return names;
}

}  // namespace ds::cuda
