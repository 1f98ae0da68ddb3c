// The CUDA op of each layer type (op.h).
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>

#include "core/cuda/cuda_network.h"
#include "core/cuda/op.h"

namespace ds::cuda {
namespace {

const std::map<std::string_view, OpFactory>& ops_by_type() {
  static const std::map<std::string_view, OpFactory> ops = {
      {"convolutional", make_convolutional_op}, {"maxpool", make_maxpool_op}, {"avgpool", make_avgpool_op},
      {"route", make_route_op},                 {"shortcut", make_shortcut_op}, {"upsample", make_upsample_op},
      {"yolo", make_yolo_op},                   {"Gaussian_yolo", make_yolo_op},
      {"sam", make_sam_op},                     {"scale_channels", make_scale_channels_op},
      {"softmax", make_softmax_op},             {"cost", make_cost_op},
      {"dropout", make_dropout_op},
  };
  return ops;
}

}  // namespace

std::unique_ptr<Op> make_op(Network& net, size_t layer) {
  const auto& ops = ops_by_type();
  auto it = ops.find(net.host().layer(layer).type());
  if (it == ops.end()) {  // a layer type added to the CPU without its CUDA op: a bug, which a test catches
    std::string names;
    for (const std::string& name : op_types()) names += (names.empty() ? "" : ", ") + name;
    throw std::logic_error("no CUDA op for layer type '" + std::string(net.host().layer(layer).type()) +
                           "'; the CUDA ops: " + names);
  }
  return it->second(net, layer);
}

std::vector<std::string> op_types() {
  std::vector<std::string> names;
  for (const auto& [name, factory] : ops_by_type()) names.emplace_back(name);
  return names;
}

}  // namespace ds::cuda
