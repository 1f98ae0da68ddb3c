// Op: one layer's forward and backward on the GPU. An op reads its hyper-parameters from the CPU layer it mirrors
// (core/layers/*) and gets the same ForwardArgs / BackwardArgs, with every tensor in device memory and the
// parameter pointers bound to its slice of the device's flat buffers (same offsets as on the CPU).
//
// make_op gives the native op of a layer type when there is one (native_op_types()), else the host fallback:
// the CPU layer itself run on host copies of its inputs, outputs, deltas and parameters. Either way the layer's semantics are the CPU reference's; the fallback only costs copies.
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
  virtual bool native() const { return true; }  // false: the host fallback
};

using OpFactory = std::unique_ptr<Op> (*)(Network& net, size_t layer);

std::unique_ptr<Op> make_op(Network& net, size_t layer);
std::vector<std::string> native_op_types();

// The CPU layer `layer` of net.host() run on host copies (op.h's header comment).
std::unique_ptr<Op> make_host_fallback(Network& net, size_t layer);
// Native ops, one file each (core/cuda/*_op.cpp; their kernels: core/cuda/layer_kernels.h).
std::unique_ptr<Op> make_convolutional_op(Network& net, size_t layer);
std::unique_ptr<Op> make_maxpool_op(Network& net, size_t layer);
std::unique_ptr<Op> make_avgpool_op(Network& net, size_t layer);
std::unique_ptr<Op> make_route_op(Network& net, size_t layer);
std::unique_ptr<Op> make_shortcut_op(Network& net, size_t layer);
std::unique_ptr<Op> make_upsample_op(Network& net, size_t layer);
std::unique_ptr<Op> make_sam_op(Network& net, size_t layer);
std::unique_ptr<Op> make_scale_channels_op(Network& net, size_t layer);
std::unique_ptr<Op> make_softmax_op(Network& net, size_t layer);
std::unique_ptr<Op> make_cost_op(Network& net, size_t layer);
std::unique_ptr<Op> make_yolo_op(Network& net, size_t layer);  // [yolo] and [Gaussian_yolo]

}  // namespace ds::cuda
