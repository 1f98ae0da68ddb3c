// The table from cfg section names to layer factories (one place; errors list the valid names).
#include <map>

#include "core/layers/factories.h"
#include "core/util/error.h"

namespace ds {
namespace {

const std::map<std::string, LayerFactory>& registry() {
  static const std::map<std::string, LayerFactory> table = {
      {"convolutional", make_convolutional}, {"maxpool", make_maxpool},
      {"avgpool", make_avgpool},             {"route", make_route},
      {"shortcut", make_shortcut},           {"upsample", make_upsample},
      {"softmax", make_softmax},             {"dropout", make_dropout},
      {"sam", make_sam},                     {"scale_channels", make_scale_channels},
      {"yolo", make_yolo},                   {"Gaussian_yolo", make_gaussian_yolo},
  };
  return table;
}

}  // namespace

std::vector<std::string> layer_types() {
  std::vector<std::string> names;
  for (const auto& [name, f] : registry()) names.push_back(name);
  return names;
}

std::unique_ptr<Layer> make_layer(const CfgSection& section, const BuildContext& ctx) {
  auto it = registry().find(section.type);
  if (it == registry().end()) {
    std::string valid;
    for (const auto& n : layer_types()) valid += (valid.empty() ? "" : ", ") + n;
    throw InputError(at_location(section.file, section.line,
                                 "unknown section [" + section.type + "]; valid sections: net, " + valid));
  }
  return it->second(section, ctx);
}

int BuildContext::resolve(int ref, const CfgSection& s, const std::string& key) const {
  int abs = ref < 0 ? index + ref : ref;
  if (abs < 0 || abs >= index)
    s.fail(key, "layer reference " + std::to_string(ref) + " resolves to " + std::to_string(abs) +
                    ", outside the layers before this one (0.." + std::to_string(index - 1) + ")");
  return abs;
}

}  // namespace ds
