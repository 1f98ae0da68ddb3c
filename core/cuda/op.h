// Op: one layer's forward and backward on the GPU. An op reads its hyper-parameters from the CPU layer it mirrors
// (core/layers/*) and gets the same ForwardArgs / BackwardArgs, with every tensor in device memory and the
// parameter pointers bound to its slice of the device's flat buffers (same offsets as on the CPU).
//
// make_op gives the op of a layer's type: every type the CPU has (layer_types()) has one here (op_types(),
// tests/cuda/test_cuda_ops.cpp checks that), each with its CPU layer's semantics and tested against it.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/layer.h"

namespace ds::cuda {

class Network;

class Op {
 public:
  virtual ~Op() = default;
  virtual void bind_params(float* params, float* grads) {}
  virtual void forward(const ForwardArgs& a) = 0;
  virtual void backward(const BackwardArgs& a) = 0;
};

using OpFactory = std::unique_ptr<Op> (*)(Network& net, size_t layer);

std::unique_ptr<Op> make_op(Network& net, size_t layer);
std::vector<std::string> op_types();

// The ops, one file each (core/cuda/*_op.cpp; their kernels: core/cuda/layer_kernels.h).
std::unique_ptr<Op> make_convolutional_op(Network& net, size_t layer);
std::unique_ptr<Op> make_maxpool_op(Network& net, size_t layer);
std::unique_ptr<Op> make_avgpool_op(Network& net, size_t layer);
std::unique_ptr<Op> make_route_op(Network& net, size_t layer);
std::unique_ptr<Op> make_shortcut_op(Network& net, size_t layer);
std::unique_ptr<Op> make_upsample_op(Network& net, size_t layer);
std::unique_ptr<Op> make_sam_op(Network& net, size_t layer);
std::unique_ptr<Op> make_scale_channels_op(Network& net, size_t layer);
std::unique_ptr<Op> make_dropout_op(Network& net, size_t layer);
std::unique_ptr<Op> make_softmax_op(Network& net, size_t layer);
std::unique_ptr<Op> make_cost_op(Network& net, size_t layer);
std::unique_ptr<Op> make_yolo_op(Network& net, size_t layer);  // [yolo] and [Gaussian_yolo]

}  // namespace ds::cuda
