// Test support: the cfg text of a tiny CmBN detector for trainer tests, 64x64, batch 4 in 2 mini-batches of 2,
// 6 iterations: two batch_normalize=2 convolutions (stride 2 each), a 1x1 linear layer of `head_filters` and
// one head section of 3 anchors and 4 classes (`head`: "[yolo]" or "[Gaussian_yolo]" plus any extra lines).
#pragma once
#include <string>

namespace ds::test {

inline std::string tiny_cmbn_detector_cfg(int head_filters, const std::string& head) {
  return R"([net]
batch=4
subdivisions=2
width=64
height=64
channels=3
momentum=0.9
decay=0.0005
learning_rate=0.001
burn_in=2
max_batches=6
policy=constant

[convolutional]
batch_normalize=2
filters=8
size=3
stride=2
pad=1
activation=leaky

[convolutional]
batch_normalize=2
filters=16
size=3
stride=2
pad=1
activation=leaky

[convolutional]
filters=)" + std::to_string(head_filters) +
         R"(
size=1
activation=linear

)" + head + R"(
mask=0,1,2
anchors=8,8, 16,16, 32,32
classes=4
num=3
)";
}

}  // namespace ds::test
