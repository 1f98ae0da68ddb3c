// A reusable finite-difference gradient checker for any Layer (the test oracle for every backward()).
//
// Loss: L = sum_i out_i * r_i with a fixed random r. The analytic side sets out_delta = -r
// (darknet's delta = -dL/dout) and runs backward(); the numeric side perturbs each checked element
// by ±eps and takes (L+ - L-) / 2eps. Both input deltas and parameter gradients are checked.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "core/layer.h"

namespace ds {

// One layer built from cfg text with given per-image shapes for the layers before it.
struct LayerHarness {
  NetOptions net;
  Shape input;                // per-image network input shape
  std::vector<Shape> prev;    // per-image output shapes of layers 0..index-1
  std::unique_ptr<Layer> layer;
  Buffer params, grads;       // this layer's flat parameter slice and its gradient
  std::vector<Buffer> in;     // one buffer per layer input (batch n)
  Buffer out, out_delta;
  int batch = 1;
  int subdivision = 0;        // ForwardArgs::subdivision of every forward (CmBN)

  // `section_text` holds one layer section ("[convolutional]\nfilters=3\n..."). The layer gets index
  // prev.size(). Inputs are filled with uniform values in [-1, 1]; parameters with init_params then
  // perturbed (so that batch-norm scales and biases are non-trivial).
  static LayerHarness build(const std::string& section_text, Shape input, std::vector<Shape> prev,
                            int batch, uint64_t seed = 1);

  // forward on the current inputs/params with a fresh Rng(seed) so random layers repeat exactly.
  void forward(bool train, uint64_t seed = 7);
  std::vector<Tensor> input_views();
};

struct GradcheckResult {
  double max_abs_error = 0;   // largest |analytic - numeric|
  double max_rel_error = 0;   // largest |a - n| / max(|a|, |n|, floor)
  std::string worst;          // where the worst element is ("input 0 [123]" / "param weights [5]")
  int checked = 0;
  bool ok(double tol) const { return max_rel_error <= tol; }
};

struct GradcheckOptions {
  float eps = 1e-3f;
  double floor = 1e-2;        // denominator floor for the relative error (avoids 0/0 blowups)
  int max_elements_per_tensor = 200;  // checks every element up to this many, a stride sample beyond
  bool train = true;
  bool check_params = true;
};

GradcheckResult gradcheck(LayerHarness& h, const GradcheckOptions& opt = {});

}  // namespace ds
