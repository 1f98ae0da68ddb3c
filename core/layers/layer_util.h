// Small helpers shared by the non-convolutional CPU layers: shape checks, layer references,
// batch-strided block copies and an activation step that remembers its input for backward.
#pragma once
#include <string>
#include <vector>

#include "core/layer.h"
#include "core/nn/activations.h"

namespace ds {

// The per-image output shape of the layer feeding this one (the network input for layer 0),
// failing with file:line when it is not an image (darknet: "Layer before [x] layer must output image").
Shape previous_image(const CfgSection& s, const BuildContext& ctx);

// One required single layer reference (`from=-3` or `from=12`), resolved to an absolute index.
int resolve_one(const CfgSection& s, const BuildContext& ctx, const std::string& key);
// A required, non-empty list of layer references (`layers=-1,61`), resolved to absolute indices.
std::vector<int> resolve_list(const CfgSection& s, const BuildContext& ctx, const std::string& key);

// "layer 12 (8x13x13)" or "the network input (3x416x416)", for error messages.
std::string describe_layer(const BuildContext& ctx, int index);

// For every image b of a batch of n: dst[b*dst_stride + dst_offset + i] (+)= src[b*src_stride + src_offset + i],
// i < len. add=false copies, add=true accumulates. A null dst is skipped (an unwanted delta).
void copy_blocks(int n, size_t len, const float* src, size_t src_stride, size_t src_offset, float* dst,
                 size_t dst_stride, size_t dst_offset, bool add);

// y = f(x) on a layer's output, keeping x when f's derivative needs it, so that backward can apply
// darknet's gradient_array (delta *= f'(x)).
class ActivationStep {
 public:
  Activation kind = Activation::linear;
  void forward(Tensor out);                      // in place: out = f(out)
  void backward(const Tensor& out, Tensor delta); // delta *= f'(pre-activation)

 private:
  Buffer pre_;
};

}  // namespace ds
