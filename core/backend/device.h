// The device a network computes on: "cpu" (the reference) or "cuda" (core/cuda/cuda_network.h, when this build
// has the CUDA backend), and on cuda the convolutions' precision: "fp32" (default), "tf32" or "mixed"
// (cuda::Precision). use_device attaches the device's accelerator to a network that is fully set up
// (parameters initialised, loaded or copied): from then on its passes and SGD steps run there.
#pragma once
#include <string>
#include <vector>

#include "core/nn/network.h"

namespace ds {

// The devices this build can use ("cpu", and "cuda" when built with CUDA).
std::vector<std::string> available_devices();
// InputError naming `where` and the valid choices for an unknown or unavailable device, or a precision the
// device does not have (the CPU computes in fp32 only).
void check_device(const std::string& device, const std::string& where, const std::string& precision = "fp32");
void use_device(Network& net, const std::string& device, const std::string& precision = "fp32");
// The device `net` computes on.
std::string device_of(const Network& net);

}  // namespace ds
