// Layer: the interface every darknet layer type implements on the CPU reference backend.
//
// Conventions (darknet's, so that deltas can be compared with darknet's dumps):
// - Tensors are NCHW float32; n is the mini-batch.
// - A "delta" is the NEGATIVE gradient of the loss: delta = -dL/d(output). backward() reads the
//   output delta (and may modify it in place, e.g. multiplying by the activation derivative, as darknet
//   does) and ACCUMULATES (+=) into the input deltas and into the parameter gradient buffer.
// - Parameter "gradients" are darknet's *_updates: they accumulate -dL/dparam summed over the batch.
#pragma once
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/cfg/cfg.h"
#include "core/nn/net_options.h"
#include "core/tensor.h"
#include "core/util/rng.h"

namespace ds {

// Kinds of parameters; decides how the optimiser treats them.
enum class ParamKind {
  bias,              // trained, no weight decay
  scale,             // batch-norm gamma: trained, no weight decay
  weight,            // trained with weight decay
  rolling_mean,      // batch-norm running statistics: stored in .weights, never trained
  rolling_variance,
};

// One contiguous block of a layer's parameters, in darknet .weights order.
struct ParamBlock {
  std::string name;  // "biases", "scales", "rolling_mean", "rolling_variance", "weights"
  size_t count = 0;
  ParamKind kind = ParamKind::weight;
};

// What a factory sees while the network is being built.
struct BuildContext {
  const NetOptions& net;
  int index = 0;                  // this layer's index (0-based, as darknet counts layers)
  Shape input;                    // per-image network input shape (n = 1)
  const std::vector<Shape>& prev; // per-image output shapes of layers 0..index-1

  // Shape of layer `i` (absolute index; -1 is the network input).
  Shape shape_of(int i) const { return i < 0 ? input : prev.at(size_t(i)); }
  // Resolves a darknet layer reference (negative = relative to this layer) to an absolute index,
  // failing with file:line when it points outside 0..index-1.
  int resolve(int ref, const CfgSection& s, const std::string& key) const;
};

struct TruthBox;  // core/nn/box.h

struct ForwardArgs {
  std::vector<Tensor> in;  // in[i]: output of inputs[i], batch n
  Tensor out;              // this layer's output, preallocated, batch n
  bool train = false;
  Rng* rng = nullptr;      // dropout / DropBlock
  int iteration = 0;       // current training iteration (DropBlock ramp)
  int max_batches = 0;
  // Loss layers ([yolo]) write their training signal during forward, as darknet does:
  Tensor out_delta;        // this layer's delta (zeroed by the network in training mode)
  const std::vector<std::vector<TruthBox>>* truths = nullptr;  // per image of the mini-batch
  // Weight of this pass's batch statistics in batch norm's rolling averages (darknet: 0.01). Precise-BN
  // re-estimation sets 1/k on its k-th pass to get a plain average.
  float rolling_momentum = 0.01f;
  // darknet's current_subdivision: the 0-based index of this mini-batch within the batch (CmBN).
  int subdivision = 0;
  // false: a training pass that must leave no trace (SAT's adversarial pass, core/train/self_adversarial.h):
  // batch norm normalises with the batch (CmBN: pooled) statistics but moves neither its rolling averages nor
  // the CmBN accumulators.
  bool update_statistics = true;
};

struct BackwardArgs {
  std::vector<Tensor> in;
  std::vector<Tensor> in_delta;  // accumulate into these; a view with data == nullptr wants no gradient
  Tensor out;
  Tensor out_delta;              // may be modified in place
};

class Layer {
 public:
  virtual ~Layer() = default;
  virtual std::string_view type() const = 0;

  Shape out_shape;          // per image (n = 1)
  std::vector<int> inputs;  // absolute indices of the layers whose outputs feed this one; -1 = network input

  // Options that darknet's parser reads for every layer (set by the network builder).
  float learning_rate_scale = 1.f;
  bool stopbackward = false;  // no delta flows below this layer
  bool dontload = false;      // .weights loading skips this layer
  bool dontloadscales = false;

  // Parameters, in .weights order. bind_params gives the layer pointers to its slice of the
  // network's flat parameter and gradient buffers (blocks contiguous, in param_blocks() order).
  virtual std::vector<ParamBlock> param_blocks() const { return {}; }
  virtual void bind_params(float* params, float* grads) {}
  // darknet's initialisation of this layer's parameters (called once after bind_params).
  virtual void init_params(Rng& rng) {}

  virtual void forward(const ForwardArgs& a) = 0;
  virtual void backward(const BackwardArgs& a) = 0;

  // Multiply-adds x2 per image of the forward pass (for sweep bench's GFLOP/s).
  virtual double forward_flops() const { return 0.0; }
};

using LayerFactory = std::unique_ptr<Layer> (*)(const CfgSection&, const BuildContext&);

// Builds the layer for `section` (by its type); an unknown type is an InputError naming file:line
// and listing the valid section types.
std::unique_ptr<Layer> make_layer(const CfgSection& section, const BuildContext& ctx);
std::vector<std::string> layer_types();

}  // namespace ds
