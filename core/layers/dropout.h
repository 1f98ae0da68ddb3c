// [dropout] layer: dropout and DropBlock during training, identity at inference (darknet's
// forward_dropout_layer / forward_dropout_layer_gpu, backward_dropout_layer_gpu).
//
// forward (train)  out = x * m, backward dx += dout * m, with the mask m per element:
//   dropout    m = 0 with probability p, else 1/(1-p)
//   DropBlock  ramp r = min(1, iteration / (0.85 max_batches)); size s = block_size * r (abs, or rel * w and
//              rel * h; truncated, clamped to 1..w, 1..h, the smaller of the two); per image and channel at most
//              one s x s block is dropped: the cell with the lowest uniform draw among those below
//              p*r / s^2 (its top-left corner, wrapped back by w-s / h-s when the block would overflow);
//              m = 0 inside blocks, else 1 / (1 - dropped/(c*h*w)) per image
// forward (infer)  out = x
#pragma once
#include "core/layer.h"
#include "core/tensor.h"

namespace ds {

class DropoutLayer : public Layer {
 public:
  std::string_view type() const override { return "dropout"; }
  float probability = 0.2f;
  bool dropblock = false;
  float size_rel = 0.f;
  int size_abs = 0;
  Buffer mask;  // per element of the batch; empty = identity (inference)

  void forward(const ForwardArgs& a) override;
  void backward(const BackwardArgs& a) override;
  // A training pass's mask into `mask`, from a.rng (and a.iteration, a.max_batches for DropBlock's ramp) and the
  // batch in a.out.shape: reads no tensor data, so the GPU op draws the CPU's masks too.
  void make_mask(const ForwardArgs& a);

 private:
  void make_dropblock_mask(const ForwardArgs& a);
};

}  // namespace ds
