// Factory functions of every layer type, one per file in core/layers/ (registered in layer_registry.cpp).
#pragma once
#include "core/layer.h"

namespace ds {

std::unique_ptr<Layer> make_convolutional(const CfgSection&, const BuildContext&);
std::unique_ptr<Layer> make_maxpool(const CfgSection&, const BuildContext&);
std::unique_ptr<Layer> make_avgpool(const CfgSection&, const BuildContext&);
std::unique_ptr<Layer> make_route(const CfgSection&, const BuildContext&);
std::unique_ptr<Layer> make_shortcut(const CfgSection&, const BuildContext&);
std::unique_ptr<Layer> make_upsample(const CfgSection&, const BuildContext&);
std::unique_ptr<Layer> make_softmax(const CfgSection&, const BuildContext&);
std::unique_ptr<Layer> make_dropout(const CfgSection&, const BuildContext&);
std::unique_ptr<Layer> make_sam(const CfgSection&, const BuildContext&);
std::unique_ptr<Layer> make_scale_channels(const CfgSection&, const BuildContext&);
std::unique_ptr<Layer> make_yolo(const CfgSection&, const BuildContext&);
std::unique_ptr<Layer> make_gaussian_yolo(const CfgSection&, const BuildContext&);

}  // namespace ds
